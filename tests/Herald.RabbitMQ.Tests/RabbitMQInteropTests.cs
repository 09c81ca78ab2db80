using System.Text.Json;
using Herald.Conformance.Interop;
using Herald.Consuming;
using Herald.Events;
using Herald.Hosting;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.RabbitMQ.Tests;

[Event("interop.order-placed")]
public sealed record InteropOrderPlaced(string OrderId);

/// <summary>Keeps the first event the handler got, with its envelope.</summary>
public sealed class InteropProbe
{
    public TaskCompletionSource<(EventEnvelope Envelope, InteropOrderPlaced Event)> Handled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class InteropOrderPlacedHandler(InteropProbe probe) : IEventHandler<InteropOrderPlaced>
{
    public Task HandleAsync(EventContext<InteropOrderPlaced> context)
    {
        probe.Handled.TrySetResult((context.Envelope, context.Event));
        return Task.CompletedTask;
    }
}

/// <summary>The JavaScript sample in samples/interop/js (amqplib) as producer and consumer of a Herald topic on RabbitMQ.</summary>
public sealed class RabbitMQInteropTests(RabbitMQBroker broker)
{
    private const string Topic = "orders";

    [Fact]
    public async Task JavaScriptProducer_PublishesBeforeAnyGroupBound_HandlerGetsEveryAttribute()
    {
        var token = TestContext.Current.CancellationToken;
        var options = RabbitMQBroker.NewOptions();
        var transport = broker.CreateTransport(options);
        var id = Guid.NewGuid().ToString();

        // The producer declares the topic as Herald does and publishes before any group has a queue: the event waits.
        var published = Assert.Single(await NodeSample.RunAsync(
        [
            "rabbitmq", "publish", "--url", RabbitMQBroker.Uri.ToString(), "--prefix", options.NamePrefix, "--topic", Topic,
            "--partitions", "4", "--id", id, "--type", "interop.order-placed", "--source", "/samples/interop/js",
            "--time", "2026-03-04T05:06:07.890Z", "--native-time", "--key", "order-42", "--correlation", "checkout-9", "--user", "Zoë",
            "--sequence", "7", "--extension", "tenant=acme", "--data", """{"orderId":"js-1"}""",
        ], token)).GetProperty("published");
        Assert.Equal(KeyPartitioner.Partition("order-42", 4), published.GetProperty("partition").GetInt32());
        Assert.Equal("p" + KeyPartitioner.Partition("order-42", 4), published.GetProperty("routingKey").GetString());

        var probe = new InteropProbe();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(probe).AddHerald(h => h
            .UseTransport(_ => transport)
            .AddEvent<InteropOrderPlaced>(e => e.Topic = Topic)
            .AddHandler<InteropOrderPlacedHandler>("billing"));
        using var host = builder.Build();
        try
        {
            await host.StartAsync(token);
            var (envelope, order) = await probe.Handled.Task.WaitAsync(TimeSpan.FromSeconds(15), token);

            Assert.Equal((id, "interop.order-placed", "/samples/interop/js"), (envelope.EventId, envelope.EventType, envelope.Source));
            // 'time' travelled as a native AMQP timestamp, which has whole seconds.
            Assert.Equal(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero), envelope.Timestamp);
            Assert.Equal(("order-42", "checkout-9", "Zoë", 7L), (envelope.PartitionKey, envelope.CorrelationId, envelope.UserId, envelope.Sequence));
            Assert.Equal(("application/json", 1, 0), (envelope.DataContentType, envelope.EventVersion, envelope.Depth));
            Assert.Equal("acme", Assert.Single(envelope.Extensions).Value);
            Assert.Equal("js-1", order.OrderId);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            await transport.DeleteTopologyAsync(CancellationToken.None);
            await transport.DisposeAsync();
        }
    }

    [Fact]
    public async Task JavaScriptConsumer_EventHeraldPublished_ReadsEveryAttributeFromTheKeysPartition()
    {
        var token = TestContext.Current.CancellationToken;
        var options = RabbitMQBroker.NewOptions();
        await using var transport = broker.CreateTransport(options);
        var sent = new EventEnvelope
        {
            EventId = Guid.CreateVersion7().ToString(),
            EventType = "interop.order-placed",
            Source = "/herald/rabbitmq-tests",
            Timestamp = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero),
            CorrelationId = "checkout-9",
            CausationId = "cause-1",
            UserId = "Zoë",
            PartitionKey = "customer-7",
            Sequence = 3,
            Depth = 1,
            Extensions = new Dictionary<string, string>(StringComparer.Ordinal) { ["tenant"] = "acme" },
            Data = """{"orderId":"herald-1"}"""u8.ToArray(),
        };
        try
        {
            // The consumer binds a queue of its own to every partition's routing key, then says so; only then does Herald publish.
            await using var consumer = NodeSample.Start(
            [
                "rabbitmq", "consume", "--url", RabbitMQBroker.Uri.ToString(), "--prefix", options.NamePrefix, "--topic", Topic,
                "--partitions", "4", "--queue", "js-audit", "--count", "1", "--delete-queue",
            ]);
            Assert.Equal(options.NamePrefix + Topic + ":js-audit", (await consumer.ReadLineAsync(token)).GetProperty("listening").GetProperty("queue").GetString());
            await transport.SendAsync(Topic, sent, token);

            var received = Assert.Single(await consumer.WaitForExitAsync(token)).GetProperty("received");
            var partition = KeyPartitioner.Partition("customer-7", 4);
            Assert.Equal(("p" + partition, partition, partition), (received.GetProperty("routingKey").GetString(),
                received.GetProperty("partition").GetInt32(), received.GetProperty("expectedPartition").GetInt32()));
            Assert.Equal(new Dictionary<string, string>
            {
                ["specversion"] = "1.0",
                ["id"] = sent.EventId,
                ["type"] = "interop.order-placed",
                ["source"] = "/herald/rabbitmq-tests",
                ["time"] = "2026-03-04T05:06:07.8900000Z",
                ["eventversion"] = "1",
                ["correlationid"] = "checkout-9",
                ["causationid"] = "cause-1",
                ["userid"] = "Zoë",
                ["partitionkey"] = "customer-7",
                ["sequence"] = "3",
                ["depth"] = "1",
                ["tenant"] = "acme",
                ["datacontenttype"] = "application/json",
            }, Attributes(received));
            Assert.Equal("herald-1", received.GetProperty("data").GetProperty("orderId").GetString());
        }
        finally
        {
            // The sample deletes its queue once it read the event; a failed run leaves it for this.
            await using (var channel = await broker.Connection.CreateChannelAsync(cancellationToken: CancellationToken.None))
            {
                await channel.QueueDeleteAsync(options.NamePrefix + Topic + ":js-audit", ifUnused: false, ifEmpty: false, cancellationToken: CancellationToken.None);
            }

            await transport.DeleteTopologyAsync(CancellationToken.None);
        }
    }

    private static Dictionary<string, string> Attributes(JsonElement received) =>
        received.GetProperty("attributes").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
}
