using Herald.Transports;

namespace Herald.Conformance.Transports;

// Per-key order while competing members of a group fail and retry, each settling the way Herald's consumer loop does.
public abstract partial class TransportConformance<TFixture>
{
    /// <summary>Gets how long the two members may take to handle every event of the per-key order test, on top of
    /// <see cref="ReceiveTimeout"/> for joining and publishing. Default 20 seconds.</summary>
    protected virtual TimeSpan KeyOrderTimeout => TimeSpan.FromSeconds(20);

    [Fact]
    public async Task RedeliverAsync_TwoCompetingMembersFailingAndRetrying_EachKeyHandledOnceInPublishOrder()
    {
        var topic = UniqueName("topic");
        var group = UniqueName("billing");
        var first = await ListenAsync(topic, group);
        var second = await ListenAsync(topic, group);
        var keys = Keys("order", 16);
        const int PerKey = 10;
        var sent = await PublishAsync(topic, keys, PerKey);

        var handled = keys.ToDictionary(k => k, _ => new List<long>());
        var failedOnce = new HashSet<string>();
        // A budget of its own: 160 events handled one by one, 16 of them after a redelivery, take longer than one receive.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(KeyOrderTimeout);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        await Task.WhenAll(ConsumeAsync(first), ConsumeAsync(second));

        Assert.All(keys, k => Assert.Equal(Enumerable.Range(0, PerKey).Select(i => (long)i), handled[k]));
        // Every key's fifth event failed once, on one member or the other.
        Assert.Equal(keys.Length, failedOnce.Count);

        int Handled()
        {
            lock (handled)
            {
                return handled.Values.Sum(h => h.Count);
            }
        }

        async Task ConsumeAsync(ITransportListener listener)
        {
            var batch = new List<TransportDelivery>();
            try
            {
                while (Handled() < sent.Count)
                {
                    batch.Clear();
                    if (TryReceive(listener, batch, 16) == 0)
                    {
                        Assert.True(await WaitAsync(listener, done.Token), "A listener closed while its group still had events to handle.");
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
                            await listener.RedeliverAsync(delivery, TimeSpan.FromMilliseconds(50), timeout.Token);
                            rewound.Add(delivery.Partition);
                            continue;
                        }

                        await listener.CompleteAsync(delivery, timeout.Token);
                        lock (handled)
                        {
                            handled[delivery.Envelope.PartitionKey!].Add(delivery.Envelope.Sequence!.Value);
                        }

                        if (Handled() == sent.Count)
                        {
                            // Wakes the other member's wait.
                            await done.CancelAsync();
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
                // All handled, or the other member failed (its error is the test's), or the test timed out.
                if (timeout.IsCancellationRequested)
                {
                    Assert.Fail($"Timed out after {KeyOrderTimeout} with {Handled()} of {sent.Count} events handled.");
                }
            }
            catch
            {
                // Stop the other member now rather than at the timeout.
                await done.CancelAsync();
                throw;
            }
        }
    }
}
