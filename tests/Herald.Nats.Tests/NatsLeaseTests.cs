using Herald.Transports;
using NATS.Client.Core;
using static Herald.Nats.Tests.NatsTestSupport;

namespace Herald.Nats.Tests;

/// <summary>Members of one group in different processes (transports on their own connections) share partitions through leases.</summary>
public sealed class NatsLeaseTests(NatsServer server)
{
    private const int Keys = 16;

    [Fact]
    public async Task SecondProcessJoinsThenLeaves_PartitionsMoveWhole_EachKeyHandledInOrder()
    {
        var token = TestContext.Current.CancellationToken;
        var (topic, group) = (Unique("topic"), Unique("billing"));
        var log = new HandledLog();
        await using var a = new Process("a", Options(), log);
        await using var b = new Process("b", Options(), log);
        await a.ListenAsync(topic, group);
        await PublishAsync(a.Transport, topic, 0, 5);
        await log.WaitForAsync(Keys * 5, token);

        await b.ListenAsync(topic, group);
        var published = 5;
        for (; log.HandledBy("b") == 0; published++)
        {
            Assert.True(published < 60, "The second process never got a partition.");
            await PublishAsync(a.Transport, topic, published, published + 1);
            await Task.Delay(200, token);
        }

        await log.WaitForAsync(Keys * published, token);
        Assert.Equal(4 / 2, log.PartitionsOf("b"));

        await b.DisposeAsync();
        await PublishAsync(a.Transport, topic, published, published + 5);
        await log.WaitForAsync(Keys * (published + 5), token);

        log.AssertEachKeyInOrder(published + 5);
        // Each partition changed hands at most twice (to b when it joined, back to a when it left): never interleaved.
        Assert.All(log.Switches(), s => Assert.InRange(s, 0, 2));
    }

    [Fact]
    public async Task ProcessDiesWithoutLeaving_ItsLeasesExpire_AndTheOtherTakesOverWhatItHeld()
    {
        var token = TestContext.Current.CancellationToken;
        var (topic, group) = (Unique("topic"), Unique("billing"));
        var log = new HandledLog();
        await using var a = new Process("a", Options(), log);
        var connection = new NatsConnection(new NatsOpts { Url = server.Url, Name = "herald-tests-dying" });
        var dying = Options();
        dying.Connection = connection;
        await using var b = new Process("b", dying, log) { CompleteLimit = Keys * 2 };
        await b.ListenAsync(topic, group);
        await PublishAsync(a.Transport, topic, 0, 5);
        await log.WaitForAsync(Keys * 5, token);

        // b dies with events handled but never completed: no hand-back, no lease deleted.
        await connection.DisposeAsync();
        await a.ListenAsync(topic, group);
        await PublishAsync(a.Transport, topic, 5, 10);

        await log.WaitForAsync(Keys * 10, token, TimeSpan.FromSeconds(40));
        log.AssertEachKeyInOrder(10);
        var uncompleted = log.UncompletedBy("b");
        Assert.Equal(Keys * 5 - Keys * 2, uncompleted.Count);
        Assert.All(uncompleted, e => Assert.Contains(e, log.HandledKeysBy("a")));
    }

    private NatsTransportOptions Options()
    {
        var options = server.NewOptions();
        options.Connection = null;
        options.Url = server.Url;
        // What a dead process held comes back after this.
        options.AckWait = TimeSpan.FromSeconds(8);
        return options;
    }

    private static async Task PublishAsync(NatsTransport transport, string topic, int from, int to)
    {
        for (var sequence = from; sequence < to; sequence++)
        {
            for (var k = 0; k < Keys; k++)
            {
                await transport.SendAsync(topic, Envelope($"order-{k}", sequence), TestContext.Current.CancellationToken);
            }
        }
    }

    /// <summary>A transport on its own connection, as another process would have, with a loop that handles what it receives.</summary>
    private sealed class Process(string name, NatsTransportOptions options, HandledLog log) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;
        private ITransportListener? _listener;

        public NatsTransport Transport { get; } = new(options);

        /// <summary>Gets how many deliveries the loop completes; it handles the ones after without completing them, as a process about to die.</summary>
        public int CompleteLimit { get; init; } = int.MaxValue;

        public async Task ListenAsync(string topic, string group)
        {
            _listener = await Transport.ListenAsync(topic, group, TestContext.Current.CancellationToken);
            _loop = RunAsync(_listener);
        }

        public async ValueTask DisposeAsync()
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            await _stop.CancelAsync();
            await _loop;
            if (_listener is not null)
            {
                await _listener.DisposeAsync();
            }

            await Transport.DisposeAsync();
            _stop.Dispose();
        }

        private async Task RunAsync(ITransportListener listener)
        {
            var batch = new List<TransportDelivery>();
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    batch.Clear();
                    if (listener.TryReceive(batch, 32) == 0)
                    {
                        await listener.WaitToReceiveAsync(_stop.Token);
                        continue;
                    }

                    foreach (var delivery in batch)
                    {
                        log.Record(name, delivery);
                        if (log.CompletedBy(name) < CompleteLimit)
                        {
                            await listener.CompleteAsync(delivery, _stop.Token);
                            log.Completed(name, delivery);
                        }
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                // Stopped, or the connection was taken away (a dying process).
            }
        }
    }

    /// <summary>Every handling in order, by which process and from which partition.</summary>
    private sealed class HandledLog
    {
        private readonly List<(string Process, int Partition, string Key, long Sequence)> _handled = [];
        private readonly HashSet<(string Process, string Key, long Sequence)> _completed = [];

        public void Completed(string process, TransportDelivery delivery)
        {
            lock (_handled)
            {
                _completed.Add((process, delivery.Envelope.PartitionKey!, delivery.Envelope.Sequence!.Value));
            }
        }

        public int CompletedBy(string process)
        {
            lock (_handled)
            {
                return _completed.Count(c => c.Process == process);
            }
        }

        public List<(string Key, long Sequence)> UncompletedBy(string process)
        {
            lock (_handled)
            {
                return [.. _handled.Where(h => h.Process == process && !_completed.Contains((process, h.Key, h.Sequence))).Select(h => (h.Key, h.Sequence)).Distinct()];
            }
        }

        public HashSet<(string Key, long Sequence)> HandledKeysBy(string process)
        {
            lock (_handled)
            {
                return [.. _handled.Where(h => h.Process == process).Select(h => (h.Key, h.Sequence))];
            }
        }

        public void Record(string process, TransportDelivery delivery)
        {
            lock (_handled)
            {
                _handled.Add((process, delivery.Partition, delivery.Envelope.PartitionKey!, delivery.Envelope.Sequence!.Value));
            }
        }

        public int HandledBy(string process)
        {
            lock (_handled)
            {
                return _handled.Count(h => h.Process == process);
            }
        }

        public int PartitionsOf(string process)
        {
            lock (_handled)
            {
                return _handled.Where(h => h.Process == process).Select(h => h.Partition).Distinct().Count();
            }
        }

        public async Task WaitForAsync(int distinct, CancellationToken cancellationToken, TimeSpan? timeout = null)
        {
            var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
            while (Distinct() < distinct)
            {
                Assert.True(DateTime.UtcNow < deadline, $"Timed out with {Distinct()} of {distinct} events handled.");
                await Task.Delay(50, cancellationToken);
            }
        }

        /// <summary>Asserts each key's first handlings run 0, 1, 2, …: a redelivery may repeat a suffix, never skip ahead.</summary>
        public void AssertEachKeyInOrder(int perKey)
        {
            lock (_handled)
            {
                foreach (var key in _handled.GroupBy(h => h.Key))
                {
                    Assert.Equal(Enumerable.Range(0, perKey).Select(i => (long)i), key.Select(h => h.Sequence).Distinct());
                    var seen = -1L;
                    foreach (var (_, _, _, sequence) in key)
                    {
                        Assert.True(sequence <= seen + 1, $"{key.Key} handled {sequence} before {seen + 1}.");
                        seen = Math.Max(seen, sequence);
                    }
                }
            }
        }

        /// <summary>Returns, per partition, how often the handling process changed.</summary>
        public List<int> Switches()
        {
            lock (_handled)
            {
                return _handled.GroupBy(h => h.Partition)
                    .Select(p => p.Zip(p.Skip(1)).Count(pair => pair.First.Process != pair.Second.Process))
                    .ToList();
            }
        }

        private int Distinct()
        {
            lock (_handled)
            {
                return _handled.Select(h => (h.Key, h.Sequence)).Distinct().Count();
            }
        }
    }
}
