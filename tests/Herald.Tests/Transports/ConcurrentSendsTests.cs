using System.Text;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Transports;

namespace Herald.Tests.Transports;

/// <summary>Checks <see cref="ConcurrentSends"/>, the <see cref="ITransport.SendManyAsync"/> broker transports use.</summary>
public sealed class ConcurrentSendsTests
{
    private static readonly CancellationToken Token = TestContext.Current.CancellationToken;

    /// <summary>A transport whose sends complete out of order: each waits for a number of yields that varies per envelope.</summary>
    private sealed class ScramblingTransport(string? failingId = null) : ITransport
    {
        private readonly Lock _sync = new();
        private readonly List<EventEnvelope> _accepted = [];
        private int _inFlight;

        public int MaxInFlight { get; private set; }

        public List<EventEnvelope> Accepted
        {
            get
            {
                lock (_sync)
                {
                    return [.. _accepted];
                }
            }
        }

        public string MessagingSystem => "test.scrambling";

        public IDeadLetterStore DeadLetterStore { get; } = new InMemoryDeadLetterStore();

        public ISequencePositionStore? SequencePositions => null;

        public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
            ConcurrentSends.SendAsync(this, topic, envelopes, cancellationToken);

        public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            new((IReadOnlyList<PartitionLag>?)null);

        public async ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default)
        {
            lock (_sync)
            {
                MaxInFlight = Math.Max(MaxInFlight, ++_inFlight);
            }

            try
            {
                for (var i = 0; i < envelope.EventId.Length % 5; i++)
                {
                    await Task.Yield();
                }

                if (envelope.EventId == failingId)
                {
                    throw new IOException($"broker refused {envelope.EventId}");
                }

                lock (_sync)
                {
                    _accepted.Add(envelope);
                }
            }
            finally
            {
                lock (_sync)
                {
                    _inFlight--;
                }
            }
        }

        public ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("These tests only send.");
    }

    [Fact]
    public async Task SendManyAsync_ScrambledCompletions_KeepEachKeysOrder()
    {
        ITransport transport = new ScramblingTransport();
        var batch = Batch(keys: 7, perKey: 30);

        await transport.SendManyAsync("topic", batch, Token);

        var accepted = ((ScramblingTransport)transport).Accepted;
        Assert.Equal(batch.Select(e => e.EventId).Order(StringComparer.Ordinal), accepted.Select(e => e.EventId).Order(StringComparer.Ordinal));
        foreach (var key in accepted.GroupBy(e => e.PartitionKey))
        {
            Assert.Equal(Enumerable.Range(0, 30).Select(i => (long?)i), key.Select(e => e.Sequence));
        }

        Assert.InRange(((ScramblingTransport)transport).MaxInFlight, 2, 7);
    }

    [Fact]
    public async Task SendManyAsync_KeylessEvents_AreSentSideBySideUpToTheLimit()
    {
        var scrambling = new ScramblingTransport();
        var batch = Enumerable.Range(0, 600).Select(i => Envelope($"e{i}", key: null, i)).ToList();

        await scrambling.SendManyAsync("topic", batch, Token);

        Assert.Equal(600, scrambling.Accepted.Count);
        Assert.InRange(scrambling.MaxInFlight, 2, ConcurrentSends.MaxInFlight);
    }

    [Fact]
    public async Task SendManyAsync_ASendFails_ThrowsItAndSendsNothingLaterOfThatKey()
    {
        var batch = Batch(keys: 3, perKey: 10);
        var failing = batch.First(e => e.PartitionKey == "key-1" && e.Sequence == 4);
        var scrambling = new ScramblingTransport(failing.EventId);

        var error = await Assert.ThrowsAsync<IOException>(() => scrambling.SendManyAsync("topic", batch, Token).AsTask());

        Assert.Contains(failing.EventId, error.Message, StringComparison.Ordinal);
        var ofFailedKey = scrambling.Accepted.Where(e => e.PartitionKey == "key-1").Select(e => e.Sequence).ToList();
        Assert.Equal([0L, 1L, 2L, 3L], ofFailedKey);
    }

    [Fact]
    public async Task SendManyAsync_NullEnvelope_ThrowsBeforeSendingAny()
    {
        var scrambling = new ScramblingTransport();
        List<EventEnvelope> batch = [Envelope("a", "k", 0), null!];

        await Assert.ThrowsAsync<ArgumentNullException>(() => scrambling.SendManyAsync("topic", batch, Token).AsTask());

        Assert.Empty(scrambling.Accepted);
    }

    [Fact]
    public async Task SendAsync_Partitions_SendsEachToItsPartitionKeepingEachKeysOrder()
    {
        var scrambling = new ScramblingTransport();
        var batch = Batch(keys: 6, perKey: 20);
        var partitions = new IReadOnlyList<EventEnvelope>?[4];
        foreach (var group in batch.GroupBy(e => int.Parse(e.PartitionKey!["key-".Length..], System.Globalization.CultureInfo.InvariantCulture) % 3))
        {
            partitions[group.Key] = [.. group];
        }

        var sent = new System.Collections.Concurrent.ConcurrentQueue<(int Partition, EventEnvelope Envelope)>();
        await ConcurrentSends.SendAsync(partitions, async (partition, envelope, token) =>
        {
            await scrambling.SendAsync("topic", envelope, token);
            sent.Enqueue((partition, envelope));
        }, Token);

        Assert.Equal(batch.Count, sent.Count);
        Assert.All(sent, s => Assert.Same(partitions[s.Partition]!.Single(e => e.EventId == s.Envelope.EventId), s.Envelope));
        foreach (var key in scrambling.Accepted.GroupBy(e => e.PartitionKey))
        {
            Assert.Equal(Enumerable.Range(0, 20).Select(i => (long?)i), key.Select(e => e.Sequence));
        }

        Assert.InRange(scrambling.MaxInFlight, 2, 6);
    }

    private static List<EventEnvelope> Batch(int keys, int perKey) =>
        [.. Enumerable.Range(0, perKey).SelectMany(sequence => Enumerable.Range(0, keys).Select(key => Envelope(Guid.NewGuid().ToString("N")[..(8 + ((sequence + key) % 5))], $"key-{key}", sequence)))];

    private static EventEnvelope Envelope(string id, string? key, long sequence) => new()
    {
        EventId = id,
        EventType = "test.scrambled",
        Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Source = "/tests",
        CorrelationId = id,
        PartitionKey = key,
        Sequence = sequence,
        Data = Encoding.UTF8.GetBytes("{}"),
    };
}
