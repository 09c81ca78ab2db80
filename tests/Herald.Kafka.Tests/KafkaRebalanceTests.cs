using System.Collections.Concurrent;
using System.Globalization;
using Herald.Transports;
using Microsoft.Extensions.Logging;
using static Herald.Kafka.Tests.KafkaTestSupport;

namespace Herald.Kafka.Tests;

/// <summary>Two members of one Kafka group in two transports (as two processes would be): one joins mid-stream, the other
/// leaves mid-stream, and the coordinator moves partitions (cooperative-sticky) while both are handling.</summary>
public sealed class KafkaRebalanceTests(KafkaServer server)
{
    private const int BatchSize = 16;

    [Fact]
    public async Task PartitionRevokedWithEventsInFlight_TheyAreFinishedAndCommittedBeforeItMoves_NoneComesAgain()
    {
        var token = TestContext.Current.CancellationToken;
        var (topic, group) = (Unique("draining"), Unique("billing"));
        var keys = Enumerable.Range(0, 16).Select(i => $"order-{i}").ToArray();
        var watcher = new RebalanceWatcher(DrainingEventId);
        var options = server.NewOptions();
        options.RevocationTimeout = TimeSpan.FromMinutes(1);
        await using var first = new KafkaTransport(options, logger: watcher);
        await using var second = new KafkaTransport(server.NewOptions());
        await first.SendManyAsync(topic, [.. keys.Select(k => Envelope(k, 0))], token);
        await first.SendManyAsync(topic, [.. keys.Select(k => Envelope(k, 1))], token);
        await using var leaving = await first.ListenAsync(topic, group, token);
        var held = await ReceiveAsync(leaving, 2 * keys.Length);

        // Step 0 is completed and committed by the background commit, so the consumer has an offset stored for each
        // partition; step 1 stays in flight.
        foreach (var delivery in held.Where(d => d.Envelope.Sequence == 0))
        {
            await leaving.CompleteAsync(delivery, token);
        }

        while (Enumerable.Range(0, 4).Sum(p => Math.Max(0, server.Server.Log.Groups.GetCommittedOffset(group, topic, p))) < keys.Length)
        {
            // The commit goes out every CommitInterval (1 s), in the background: nothing to await but the broker's state.
            await Task.Delay(20, token);
        }

        // The second member's join revokes some partitions from the first: the revocation waits for step 1, and the
        // partitions hand out nothing meanwhile.
        await using var staying = await second.ListenAsync(topic, group, token);
        var moving = await watcher.Partitions.WaitAsync(TimeSpan.FromSeconds(30), token);
        await first.SendManyAsync(topic, [.. keys.Select(k => Envelope(k, 2))], token);
        Assert.Equal(0, staying.TryReceive([], 100));
        foreach (var delivery in held.Where(d => d.Envelope.Sequence == 1))
        {
            await leaving.CompleteAsync(delivery, token);
        }

        // Then the partitions move, committed past step 1 (the offset stored before it does not win when the client
        // commits what it stored on unassigning them): their next owner starts at step 2.
        var movedKeys = keys.Where(k => moving.Contains(KeyPartitioner.Partition(k, 4))).Order().ToList();
        var received = await ReceiveAsync(staying, movedKeys.Count);
        Assert.NotEmpty(movedKeys);
        Assert.All(received, d => Assert.Equal(2, d.Envelope.Sequence));
        Assert.Equal(movedKeys, received.Select(d => d.Envelope.PartitionKey).Order());
    }

    [Fact]
    public async Task PartitionRevokedWithEventsInFlight_NotFinishedWithinTheTimeout_ComeAgainToTheNextOwner()
    {
        var token = TestContext.Current.CancellationToken;
        var (topic, group) = (Unique("undrained"), Unique("billing"));
        var keys = Enumerable.Range(0, 16).Select(i => $"order-{i}").ToArray();
        var watcher = new RebalanceWatcher(TimedOutEventId);
        var options = server.NewOptions();
        options.RevocationTimeout = TimeSpan.Zero;
        await using var first = new KafkaTransport(options, logger: watcher);
        await using var second = new KafkaTransport(server.NewOptions());
        await first.SendManyAsync(topic, [.. keys.Select(k => Envelope(k, 0))], token);
        await using var leaving = await first.ListenAsync(topic, group, token);
        var held = await ReceiveAsync(leaving, keys.Length);

        await using var staying = await second.ListenAsync(topic, group, token);
        var moving = await watcher.Partitions.WaitAsync(TimeSpan.FromSeconds(30), token);
        var movedKeys = keys.Where(k => moving.Contains(KeyPartitioner.Partition(k, 4))).Order().ToList();
        var again = await ReceiveAsync(staying, movedKeys.Count);
        foreach (var delivery in held)
        {
            // Too late for the partitions that moved: ignored there, as the next owner has them.
            await leaving.CompleteAsync(delivery, token);
        }

        Assert.NotEmpty(movedKeys);
        Assert.All(again, d => Assert.Equal(0, d.Envelope.Sequence));
        Assert.Equal(movedKeys, again.Select(d => d.Envelope.PartitionKey).Order());
    }

    [Fact]
    public async Task MemberJoinsAndAnotherLeavesMidStream_EveryEventHandled_KeysInOrder_DuplicatesOnlyFromBatchesInFlight()
    {
        var token = TestContext.Current.CancellationToken;
        var topic = Unique("rebalance");
        var group = Unique("billing");
        var keys = Enumerable.Range(0, 16).Select(i => $"order-{i}").ToArray();
        const int PerKey = 60;
        await using var first = new KafkaTransport(server.NewOptions());
        await using var second = new KafkaTransport(server.NewOptions());
        for (var sequence = 0; sequence < PerKey; sequence++)
        {
            await first.SendManyAsync(topic, [.. keys.Select(k => Envelope(k, sequence))], token);
        }

        var handled = new ConcurrentQueue<(string Key, long Sequence)>();
        var bySecond = 0;
        var distinct = new ConcurrentDictionary<(string, long), byte>();
        var total = keys.Length * PerKey;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(token);
        done.CancelAfter(TimeSpan.FromSeconds(60));

        var leaving = await first.ListenAsync(topic, group, token);
        using var leave = new CancellationTokenSource();
        var firstRun = ConsumeAsync(leaving, leave.Token, second: false);
        await UntilAsync(() => distinct.Count >= total / 4);
        var staying = await second.ListenAsync(topic, group, token);
        var secondRun = ConsumeAsync(staying, done.Token, second: true);
        await UntilAsync(() => distinct.Count >= total / 2 && Volatile.Read(ref bySecond) > 0);
        await leave.CancelAsync();
        await firstRun;
        await leaving.DisposeAsync();
        await UntilAsync(() => distinct.Count == total);
        await done.CancelAsync();
        await secondRun;
        await staying.DisposeAsync();

        var all = handled.ToList();
        Assert.Equal(total, distinct.Count);
        foreach (var key in keys)
        {
            // At-least-once order: an event is first handled only after every earlier event of its key was.
            var firsts = all.Where(h => h.Key == key).Select(h => h.Sequence).Distinct().ToList();
            Assert.Equal(Enumerable.Range(0, PerKey).Select(i => (long)i), firsts);
        }

        // A partition that moves comes again from its committed position: only what the losing member held unsettled.
        Assert.InRange(all.Count - total, 0, 2 * BatchSize * 4);

        async Task UntilAsync(Func<bool> condition)
        {
            while (!condition())
            {
                // Real consumers on a real broker, which tell no one when they are done: a short poll, bounded by done.
                await Task.Delay(20, done.Token);
            }
        }

        async Task ConsumeAsync(ITransportListener listener, CancellationToken stop, bool second)
        {
            var batch = new List<TransportDelivery>();
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    batch.Clear();
                    if (listener.TryReceive(batch, BatchSize) == 0)
                    {
                        await listener.WaitToReceiveAsync(stop);
                        continue;
                    }

                    foreach (var delivery in batch)
                    {
                        var item = (delivery.Envelope.PartitionKey!, delivery.Envelope.Sequence!.Value);
                        handled.Enqueue(item);
                        distinct.TryAdd(item, 0);
                        if (second)
                        {
                            Interlocked.Increment(ref bySecond);
                        }

                        await Task.Delay(1, CancellationToken.None);
                        await listener.CompleteAsync(delivery, CancellationToken.None);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }
    }

    // KafkaLog.Draining and KafkaLog.RevocationTimedOut: their entries name the partitions.
    private const int DrainingEventId = 10;
    private const int TimedOutEventId = 9;

    /// <summary>Hears of the first revocation the transport logs with <c>eventId</c>, and gives its partitions.</summary>
    private sealed class RebalanceWatcher(int eventId) : ILogger<KafkaTransport>
    {
        private readonly TaskCompletionSource<HashSet<int>> _partitions = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<HashSet<int>> Partitions => _partitions.Task;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId id, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (id.Id == eventId && state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                var partitions = (string)values.Single(v => v.Key == "Partitions").Value!;
                _partitions.TrySetResult([.. partitions.Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture))]);
            }
        }
    }
}
