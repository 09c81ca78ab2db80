using System.Diagnostics;
using System.Text;
using Herald.Transports;
using RabbitMQ.Client;
using static Herald.RabbitMQ.Tests.TestSupport;

namespace Herald.RabbitMQ.Tests;

/// <summary>What the RabbitMQ transport adds to the contract: confirms, the wire format, takeover and delayed rewinds.</summary>
public sealed class RabbitMQTransportTests(RabbitMQBroker broker) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly List<RabbitMQTransport> _transports = [];
    private readonly List<ITransportListener> _listeners = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync();
        }

        foreach (var transport in _transports)
        {
            await transport.DeleteTopologyAsync(CancellationToken.None);
            await transport.DisposeAsync();
        }
    }

    private RabbitMQTransport Transport(RabbitMQTransportOptions? options = null)
    {
        var transport = broker.CreateTransport(options);
        _transports.Add(transport);
        return transport;
    }

    private async Task<ITransportListener> ListenAsync(RabbitMQTransport transport, string topic, string group)
    {
        var listener = await transport.ListenAsync(topic, group, TestContext.Current.CancellationToken);
        _listeners.Add(listener);
        return listener;
    }

    [Fact]
    public async Task SendAsync_Awaited_EventIsAlreadyInTheGroupsQueues()
    {
        var token = TestContext.Current.CancellationToken;
        var transport = Transport();
        await (await transport.ListenAsync("orders", "billing", token)).DisposeAsync();

        for (var i = 0; i < 20; i++)
        {
            await transport.SendAsync("orders", Envelope($"order-{i}", 0), token);
        }

        // No wait: a confirmed publish is in the quorum queue's log before SendAsync returns.
        var lag = await transport.GetLagAsync("orders", "billing", token);
        Assert.Equal(20, lag!.Sum(p => p.Lag));
    }

    [Fact]
    public async Task GetLagAsync_ManyProbesWithinTheCacheDuration_ShareOneReading()
    {
        var token = TestContext.Current.CancellationToken;
        var options = RabbitMQBroker.NewOptions();
        var publisher = Transport(options);
        await (await publisher.ListenAsync("orders", "billing", token)).DisposeAsync();
        await publisher.SendAsync("orders", Envelope("order-1", 0), token);
        await publisher.SendAsync("orders", Envelope("order-2", 0), token);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var probed = broker.CreateTransport(
            new RabbitMQTransportOptions { Uri = options.Uri, NamePrefix = options.NamePrefix, Partitions = options.Partitions, LagCacheDuration = TimeSpan.FromSeconds(5) }, time);
        _transports.Add(probed);

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => probed.GetLagAsync("orders", "billing", token).AsTask()));
        time.Advance(TimeSpan.FromSeconds(4));
        var later = await probed.GetLagAsync("orders", "billing", token);

        Assert.Equal(1, probed.LagReadings);
        Assert.All(concurrent.Append(later), lag => Assert.Equal(2, lag!.Sum(p => p.Lag)));
        await publisher.SendAsync("orders", Envelope("order-3", 0), token);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, (await probed.GetLagAsync("orders", "billing", token))!.Sum(p => p.Lag));
        Assert.Equal(2, probed.LagReadings);
    }

    [Fact]
    public async Task SendAsync_ManyConcurrentPublishers_EveryEventConfirmedOnce()
    {
        var token = TestContext.Current.CancellationToken;
        var transport = Transport();
        await (await transport.ListenAsync("orders", "billing", token)).DisposeAsync();

        // One confirming channel serves every publisher; RabbitMQ.Client 7 tracks each publish's confirm.
        await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Task.Run(() => transport.SendAsync("orders", Envelope($"order-{i % 17}", i), token).AsTask(), token)));

        Assert.Equal(300, (await transport.GetLagAsync("orders", "billing", token))!.Sum(p => p.Lag));
    }

    [Fact]
    public async Task SendAsync_BrokerRefusesTheMessage_Throws()
    {
        var token = TestContext.Current.CancellationToken;
        var options = RabbitMQBroker.NewOptions();
        options.Partitions = 1;
        var transport = Transport(options);
        await transport.SendAsync("orders", Envelope("order-1", 0), token);
        await using var channel = await broker.Connection.CreateChannelAsync(cancellationToken: token);
        var full = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true,
            new Dictionary<string, object?> { ["x-max-length"] = 0, ["x-overflow"] = "reject-publish" }, cancellationToken: token);
        await channel.QueueBindAsync(full.QueueName, options.NamePrefix + "orders", "p0", cancellationToken: token);

        // The broker nacks a message a bound queue refuses; only an awaited confirm can tell the publisher.
        await Assert.ThrowsAnyAsync<Exception>(() => transport.SendAsync("orders", Envelope("order-1", 1), token).AsTask());
    }

    [Fact]
    public async Task SendAsync_PlainAmqpConsumer_ReadsCloudEventsBinaryMode()
    {
        var token = TestContext.Current.CancellationToken;
        var options = RabbitMQBroker.NewOptions();
        var transport = Transport(options);
        await transport.SendAsync("orders", Envelope("order-0", 0), token); // declares the exchange
        await using var channel = await broker.Connection.CreateChannelAsync(cancellationToken: token);
        var queue = (await channel.QueueDeclareAsync(cancellationToken: token)).QueueName;
        for (var partition = 0; partition < options.Partitions; partition++)
        {
            await channel.QueueBindAsync(queue, options.NamePrefix + "orders", $"p{partition}", cancellationToken: token);
        }

        var sent = Envelope("order-1", 7) with { Extensions = new Dictionary<string, string> { ["tenant"] = "acme" } };
        await transport.SendAsync("orders", sent, token);

        var message = await channel.BasicGetAsync(queue, autoAck: true, token);
        Assert.NotNull(message);
        // Besides the attributes, only x- headers: RabbitMQ.Client's confirm tracking adds x-dotnet-pub-seq-no.
        Assert.All(message.BasicProperties.Headers!, h => Assert.True(h.Key.StartsWith("cloudEvents_", StringComparison.Ordinal) || h.Key.StartsWith("x-", StringComparison.Ordinal), h.Key));
        var headers = message.BasicProperties.Headers!.ToDictionary(h => h.Key, h => h.Value is byte[] b ? Encoding.UTF8.GetString(b) : $"{h.Value?.GetType().Name}:{h.Value}");
        Assert.Equal("1.0", headers["cloudEvents_specversion"]);
        Assert.Equal(sent.EventId, headers["cloudEvents_id"]);
        Assert.Equal("test.sequenced", headers["cloudEvents_type"]);
        Assert.Equal("/herald/rabbitmq-tests", headers["cloudEvents_source"]);
        Assert.Equal("order-1", headers["cloudEvents_partitionkey"]);
        Assert.Equal("7", headers["cloudEvents_sequence"]);
        Assert.Equal("acme", headers["cloudEvents_tenant"]);
        Assert.DoesNotContain(headers.Keys, k => k.StartsWith("ce_", StringComparison.Ordinal));
        Assert.Equal("application/json", message.BasicProperties.ContentType);
        Assert.Equal(DeliveryModes.Persistent, message.BasicProperties.DeliveryMode);
        Assert.Equal(sent.Data.ToArray(), message.Body.ToArray());
    }

    [Fact]
    public async Task ListenAsync_TopicAndGroupSplitAtAnotherDot_EachGroupGetsItsOwnTopicOnly()
    {
        // Topic "ledger.eu" with group "audit" and topic "ledger" with group "eu.audit" once shared a queue.
        var token = TestContext.Current.CancellationToken;
        var options = RabbitMQBroker.NewOptions();
        options.Partitions = 1;
        var transport = Transport(options);
        var europe = await ListenAsync(transport, "ledger.eu", "audit");
        var ledger = await ListenAsync(transport, "ledger", "eu.audit");

        var forEurope = Envelope("entry-1", 0);
        var forLedger = Envelope("entry-2", 0);
        await transport.SendAsync("ledger.eu", forEurope, token);
        await transport.SendAsync("ledger", forLedger, token);

        Assert.Equal([forEurope.EventId], (await ReceiveAsync(europe, 2, TimeSpan.FromSeconds(2))).Select(d => d.Envelope.EventId));
        Assert.Equal([forLedger.EventId], (await ReceiveAsync(ledger, 2, TimeSpan.FromSeconds(2))).Select(d => d.Envelope.EventId));
    }

    [Fact]
    public async Task ListenAsync_GroupNameWithTheSeparator_Throws()
    {
        var transport = Transport();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => transport.ListenAsync("ledger", "eu:audit", TestContext.Current.CancellationToken).AsTask());

        Assert.Contains("eu:audit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoProcesses_SharePartitions_ThenOneLeaves_EachKeyCompletedOnceInOrder()
    {
        // Two transports behave as two processes: partition locks spread the partitions, single active consumer guards order.
        var token = TestContext.Current.CancellationToken;
        var first = Transport();
        var second = Transport(first.Options);
        var leaving = await ListenAsync(first, "orders", "billing");
        var staying = await ListenAsync(second, "orders", "billing");
        var keys = Enumerable.Range(0, 8).Select(i => $"order-{i}").ToArray();
        var completed = new List<(string Process, TransportDelivery Delivery)>();
        using var stopLeaving = CancellationTokenSource.CreateLinkedTokenSource(token);
        using var stopStaying = CancellationTokenSource.CreateLinkedTokenSource(token);
        var loops = new[] { ConsumeAsync("leaving", leaving, stopLeaving.Token), ConsumeAsync("staying", staying, stopStaying.Token) };
        var sequence = 0;
        for (; Count("staying") == 0 || Count("leaving") == 0; sequence++)
        {
            Assert.True(sequence < 100, "The partitions were not shared between the two processes.");
            foreach (var key in keys)
            {
                await first.SendAsync("orders", Envelope(key, sequence), token);
            }

            await Task.Delay(100, token);
        }

        await stopLeaving.CancelAsync();
        await loops[0];
        _listeners.Remove(leaving);
        await leaving.DisposeAsync();
        var end = sequence + 5;
        for (; sequence < end; sequence++)
        {
            foreach (var key in keys)
            {
                await first.SendAsync("orders", Envelope(key, sequence), token);
            }
        }

        var deadline = DateTime.UtcNow + Timeout;
        while (Count(null) < keys.Length * end && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, token);
        }

        await stopStaying.CancelAsync();
        await loops[1];
        lock (completed)
        {
            Assert.Equal(keys.Length * end, completed.Count);
            foreach (var key in completed.GroupBy(c => c.Delivery.Envelope.PartitionKey))
            {
                Assert.Equal(Enumerable.Range(0, end).Select(i => (long?)i), key.Select(c => c.Delivery.Envelope.Sequence));
            }

            // Each process had partitions of its own, and each partition changed hands at most once (when the first left).
            Assert.All(completed.GroupBy(c => c.Delivery.Partition), p => Assert.InRange(p.Zip(p.Skip(1)).Count(x => x.First.Process != x.Second.Process), 0, 1));
        }

        int Count(string? process)
        {
            lock (completed)
            {
                return completed.Count(c => process is null || c.Process == process);
            }
        }

        async Task ConsumeAsync(string process, ITransportListener listener, CancellationToken stop)
        {
            var batch = new List<TransportDelivery>();
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    batch.Clear();
                    if (listener.TryReceive(batch, 16) == 0)
                    {
                        await listener.WaitToReceiveAsync(stop);
                        continue;
                    }

                    foreach (var delivery in batch)
                    {
                        await listener.CompleteAsync(delivery, stop);
                        lock (completed)
                        {
                            completed.Add((process, delivery));
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }
    }

    [Fact]
    public async Task CompleteAsync_OutOfOrderFewerThanABatch_OnlyUncompletedComeAgainAfterLeaving()
    {
        var token = TestContext.Current.CancellationToken;
        var transport = Transport();
        var leaving = await ListenAsync(transport, "orders", "billing");
        for (var sequence = 0; sequence < 10; sequence++)
        {
            await transport.SendAsync("orders", Envelope("order-1", sequence), token);
        }

        // Fewer completions than a batch (a quarter of the prefetch), some above an uncompleted delivery: leaving
        // acknowledges every one of them before the channel closes, so none comes again.
        var first = await ReceiveAsync(leaving, 10, Timeout);
        foreach (var index in new[] { 3, 0, 1, 7 })
        {
            await leaving.CompleteAsync(first[index], token);
        }

        _listeners.Remove(leaving);
        await leaving.DisposeAsync();
        var again = await ReceiveAsync(await ListenAsync(transport, "orders", "billing"), 10, TimeSpan.FromSeconds(2));
        Assert.Equal(new[] { 2, 4, 5, 6, 8, 9 }.Select(i => first[i].Envelope.EventId), again.Select(d => d.Envelope.EventId));
    }

    [Fact]
    public async Task RedeliverAsync_WithDelay_PartitionWaitsThenComesAgainInOrder()
    {
        var token = TestContext.Current.CancellationToken;
        var transport = Transport();
        var listener = await ListenAsync(transport, "orders", "billing");
        for (var sequence = 0; sequence < 5; sequence++)
        {
            await transport.SendAsync("orders", Envelope("order-1", sequence), token);
        }

        var first = await ReceiveAsync(listener, 5, Timeout);
        await listener.CompleteAsync(first[0], token);
        var clock = Stopwatch.StartNew();
        await listener.RedeliverAsync(first[1], TimeSpan.FromMilliseconds(500), token);
        await listener.CompleteAsync(first[2], token); // voided: ignored

        var again = await ReceiveAsync(listener, 4, Timeout);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), Timeout);
        Assert.Equal(first.Skip(1).Select(d => d.Envelope.EventId), again.Select(d => d.Envelope.EventId));
        Assert.Equal([2, 1, 1, 1], again.Select(d => d.DeliveryCount));
        Assert.NotNull(again[0].FirstFailedAt);
        Assert.Equal(first.Skip(1).Select(d => d.Offset), again.Select(d => d.Offset));

        await listener.DeferAsync(again[0], TimeSpan.Zero, token);
        var deferred = await ReceiveAsync(listener, 4, Timeout);
        Assert.Equal(2, deferred[0].DeliveryCount);
        Assert.Equal(again[0].FirstFailedAt, deferred[0].FirstFailedAt);
    }
}
