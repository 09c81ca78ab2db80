using System.Collections.Concurrent;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Outbox;
using Herald.Transports;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Sqlite.Tests;

/// <summary>Records every send in order; optionally fails chosen sends once.</summary>
internal sealed class RecordingTransport : ITransport
{
    private readonly Lock _gate = new();
    private readonly List<(string Topic, EventEnvelope Envelope)> _sent = [];
    private readonly ConcurrentDictionary<int, bool> _failOnSend = new();
    private readonly ConcurrentDictionary<string, bool> _rejected = new(StringComparer.Ordinal);
    private int _attempts;

    public string MessagingSystem => "test.recording";

    public IDeadLetterStore DeadLetterStore { get; } = new InMemoryDeadLetterStore();

    public ISequencePositionStore? SequencePositions => null;

    public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
        ConcurrentSends.SendAsync(this, topic, envelopes, cancellationToken);

    public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
        new((IReadOnlyList<PartitionLag>?)null);

    public IReadOnlyList<(string Topic, EventEnvelope Envelope)> Sent
    {
        get
        {
            lock (_gate)
            {
                return [.. _sent];
            }
        }
    }

    /// <summary>Gets or sets what runs after each recorded send (a host that starts stopping, say).</summary>
    public Action<int>? AfterSend { get; set; }

    /// <summary>Makes the send attempt numbered <paramref name="attempt"/> (1-based, over the transport's life) throw.</summary>
    public void FailAttempt(int attempt) => _failOnSend[attempt] = true;

    /// <summary>Makes every send of the event <paramref name="eventId"/> throw <see cref="ArgumentException"/>, as a broker that refuses the event itself.</summary>
    public void Reject(string eventId) => _rejected[eventId] = true;

    public ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default)
    {
        if (_rejected.ContainsKey(envelope.EventId))
        {
            Interlocked.Increment(ref _attempts);
            throw new ArgumentException($"The broker refuses event {envelope.EventId}.", nameof(envelope));
        }

        if (_failOnSend.ContainsKey(Interlocked.Increment(ref _attempts)))
        {
            throw new IOException("broker unavailable");
        }

        int count;
        lock (_gate)
        {
            _sent.Add((topic, envelope));
            count = _sent.Count;
        }

        AfterSend?.Invoke(count);
        return ValueTask.CompletedTask;
    }

    public ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The recording transport only sends.");
}

/// <summary>Simulates a relay that crashes after sending: the first <see cref="MarkDispatchedAsync"/> throws without marking.</summary>
internal sealed class CrashBeforeMarkStore(IOutboxStore inner) : IOutboxStore
{
    private int _marks;

    public ValueTask AddAsync(System.Data.Common.DbTransaction transaction, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken) =>
        inner.AddAsync(transaction, entries, cancellationToken);

    public ValueTask<IReadOnlyList<OutboxRecord>> ClaimAsync(string relayId, int maxCount, TimeSpan lease, CancellationToken cancellationToken) =>
        inner.ClaimAsync(relayId, maxCount, lease, cancellationToken);

    public ValueTask MarkDispatchedAsync(string relayId, IReadOnlyList<long> ids, CancellationToken cancellationToken) =>
        Interlocked.Increment(ref _marks) == 1
            ? throw new InvalidOperationException("relay crashed before marking")
            : inner.MarkDispatchedAsync(relayId, ids, cancellationToken);

    public ValueTask QuarantineAsync(string relayId, long id, string reason, CancellationToken cancellationToken) =>
        inner.QuarantineAsync(relayId, id, reason, cancellationToken);

    public ValueTask<int> DeleteDispatchedAsync(DateTimeOffset dispatchedBefore, int batchSize, CancellationToken cancellationToken) =>
        inner.DeleteDispatchedAsync(dispatchedBefore, batchSize, cancellationToken);

    public ValueTask<OutboxStatistics> GetStatisticsAsync(CancellationToken cancellationToken) => inner.GetStatisticsAsync(cancellationToken);
}

internal static class OutboxTestData
{
    public static OutboxEntry Entry(string? key, long sequence, DateTimeOffset now)
    {
        var id = Guid.NewGuid().ToString();
        return new OutboxEntry("outbox.test", new EventEnvelope
        {
            EventId = id,
            EventType = "outbox.test",
            Timestamp = now,
            Source = "tests",
            CorrelationId = id,
            PartitionKey = key,
            Sequence = sequence,
            Data = "{}"u8.ToArray(),
        });
    }

    public static OutboxRelay Relay(IOutboxStore store, ITransport transport, TimeProvider time, Action<OutboxOptions>? configure = null)
    {
        var options = new OutboxOptions { RelayId = "relay-" + Guid.NewGuid().ToString("N") };
        configure?.Invoke(options);
        options.Validate();
        return new OutboxRelay(store, transport, options, time, NullLogger.Instance);
    }

    public static async Task AddAsync(SqliteStoreOptions options, IOutboxStore store, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        await using var connection = await SqliteConnectionFactory.OpenAsync(options, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await store.AddAsync(transaction, entries, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
