using Herald.Transports;
using static Herald.Kafka.Tests.KafkaTestSupport;

namespace Herald.Kafka.Tests;

/// <summary>Per-key order with competing members that fail and retry, handled the way Herald's consumer loop does.</summary>
public sealed class KafkaOrderingTests(KafkaServer server) : IAsyncDisposable
{
    private readonly KafkaTransport _transport = new(server.NewOptions());

    public ValueTask DisposeAsync() => _transport.DisposeAsync();

    [Fact]
    public async Task TwoCompetingMembers_WithRedeliveries_HandleEachKeyInPublishOrder()
    {
        var token = TestContext.Current.CancellationToken;
        var topic = Unique("topic");
        var group = Unique("billing");
        await using var first = await _transport.ListenAsync(topic, group, token);
        await using var second = await _transport.ListenAsync(topic, group, token);
        var keys = Enumerable.Range(0, 16).Select(i => $"order-{i}").ToArray();
        const int PerKey = 10;
        for (var sequence = 0; sequence < PerKey; sequence++)
        {
            foreach (var key in keys)
            {
                await _transport.SendAsync(topic, Envelope(key, sequence), token);
            }
        }

        var handled = keys.ToDictionary(k => k, _ => new List<long>());
        var failedOnce = new HashSet<string>();
        var total = keys.Length * PerKey;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(token);
        done.CancelAfter(TimeSpan.FromSeconds(20));
        await Task.WhenAll(ConsumeAsync(first), ConsumeAsync(second));

        Assert.All(keys, k => Assert.Equal(Enumerable.Range(0, PerKey).Select(i => (long)i), handled[k]));

        async Task ConsumeAsync(ITransportListener listener)
        {
            var batch = new List<TransportDelivery>();
            try
            {
                while (true)
                {
                    lock (handled)
                    {
                        if (handled.Values.Sum(h => h.Count) == total)
                        {
                            return;
                        }
                    }

                    batch.Clear();
                    if (listener.TryReceive(batch, 16) == 0)
                    {
                        await listener.WaitToReceiveAsync(done.Token);
                        continue;
                    }

                    var rewound = new HashSet<int>();
                    foreach (var delivery in batch)
                    {
                        if (rewound.Contains(delivery.Partition))
                        {
                            continue; // Dropped: the partition comes again from the failed event.
                        }

                        // Every key's fifth event fails once, so partitions rewind while the other member runs.
                        bool fail;
                        lock (failedOnce)
                        {
                            fail = delivery.Envelope.Sequence == 4 && failedOnce.Add(delivery.Envelope.EventId);
                        }

                        if (fail)
                        {
                            await listener.RedeliverAsync(delivery, TimeSpan.FromMilliseconds(50), token);
                            rewound.Add(delivery.Partition);
                            continue;
                        }

                        await listener.CompleteAsync(delivery, token);
                        lock (handled)
                        {
                            handled[delivery.Envelope.PartitionKey!].Add(delivery.Envelope.Sequence!.Value);
                            if (handled.Values.Sum(h => h.Count) == total)
                            {
                                // Wakes the other member's wait.
                                done.Cancel();
                            }
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
                lock (handled)
                {
                    if (handled.Values.Sum(h => h.Count) == total)
                    {
                        return;
                    }
                }

                Assert.Fail($"Timed out with {handled.Values.Sum(h => h.Count)} of {total} handled.");
            }
        }
    }
}
