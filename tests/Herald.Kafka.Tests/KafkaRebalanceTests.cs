using System.Collections.Concurrent;
using Herald.Transports;
using static Herald.Kafka.Tests.KafkaTestSupport;

namespace Herald.Kafka.Tests;

/// <summary>Two members of one Kafka group in two transports (as two processes would be): one joins mid-stream, the other
/// leaves mid-stream, and the coordinator moves partitions (cooperative-sticky) while both are handling.</summary>
public sealed class KafkaRebalanceTests(KafkaServer server)
{
    private const int BatchSize = 16;

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
}
