using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Herald.Conformance.Interop;
using Herald.Consuming;
using Herald.Events;
using Herald.Hosting;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Herald.Kafka.Tests.KafkaTestSupport;

namespace Herald.Kafka.Tests;

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

/// <summary>The JavaScript sample in samples/interop/js (kafkajs, an independent Kafka client) as producer and consumer of
/// a Herald topic on Herald.Kafka, through herald serve; and kafkajs's partitioner against Herald's.</summary>
public sealed class KafkaNodeInteropTests(KafkaServer server)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KafkajsPartitioner_KafkaVectorsAndKeys_AgreesWithKeyPartitioner()
    {
        string[] keys = ["order-42", "customer-7", "21", "foobar", "a-little-bit-long-string", "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
            "", "a", "ab", "abc", "Zoë", "注文-1", "🛒-9", new string('k', 300)];

        foreach (var partitions in (int[])[4, 13])
        {
            var printed = Assert.Single(await NodeSample.RunAsync(["partition", "--partitions", partitions.ToString(CultureInfo.InvariantCulture), .. keys], Token));
            var js = printed.GetProperty("keys").EnumerateArray().ToDictionary(k => k.GetProperty("key").GetString()!);
            foreach (var key in keys)
            {
                // kafkajs's DefaultPartitioner, which the sample's producer uses, puts every key where Herald does.
                Assert.Equal(KeyPartitioner.Partition(key, partitions), js[key].GetProperty("kafkajs").GetInt32());
            }
        }
    }

    [Fact]
    public async Task JavaScriptProducer_PublishesBeforeHeraldStarts_HandlerGetsEveryAttribute()
    {
        var (topic, group) = (Unique("orders"), Unique("billing"));
        var options = server.NewOptions();
        var id = Guid.NewGuid().ToString();

        // The producer creates the missing topic with Herald's partition count and publishes before any group exists:
        // Herald's new group starts at the earliest event.
        var published = Assert.Single(await NodeSample.RunAsync(
        [
            "kafka", "publish", "--brokers", server.Bootstrap, "--topic", topic, "--partitions", "4",
            "--id", id, "--type", "interop.order-placed", "--source", "/samples/interop/\"js\"",
            "--time", "2026-03-04T05:06:07.890Z", "--key", "order-42", "--correlation", "checkout-9", "--user", "Zoë 注文",
            "--sequence", "7", "--extension", "tenant=acme", "--data", """{"orderId":"js-1"}""",
        ], Token)).GetProperty("published");
        var partition = KeyPartitioner.Partition("order-42", 4);
        Assert.Equal((partition, partition, 4, 0L), (published.GetProperty("partition").GetInt32(), published.GetProperty("expectedPartition").GetInt32(),
            published.GetProperty("partitions").GetInt32(), published.GetProperty("offset").GetInt64()));

        var probe = new InteropProbe();
        await using var services = new ServiceCollection()
            .AddSingleton(probe)
            .AddHerald(h => h
                .UseKafka(o =>
                {
                    (o.BootstrapServers, o.Partitions, o.DeadLetterTopic, o.SessionTimeout) = (options.BootstrapServers, options.Partitions, options.DeadLetterTopic, options.SessionTimeout);
                    o.DeadLetterTopicConfigs.Clear();
                })
                .AddEvent<InteropOrderPlaced>(e => e.Topic = topic)
                .AddHandler<InteropOrderPlacedHandler>(group))
            .BuildServiceProvider();
        var hosted = services.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(Token);
        }

        try
        {
            var (envelope, order) = await probe.Handled.Task.WaitAsync(TimeSpan.FromSeconds(15), Token);
            Assert.Equal((id, "interop.order-placed", "/samples/interop/\"js\""), (envelope.EventId, envelope.EventType, envelope.Source));
            Assert.Equal(new DateTimeOffset(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero), envelope.Timestamp);
            Assert.Equal(("order-42", "checkout-9", "Zoë 注文", 7L), (envelope.PartitionKey, envelope.CorrelationId, envelope.UserId, envelope.Sequence));
            Assert.Equal(("application/json", 1, 0), (envelope.DataContentType, envelope.EventVersion, envelope.Depth));
            Assert.Equal(KeyValuePair.Create("tenant", "acme"), Assert.Single(envelope.Extensions));
            Assert.Equal("js-1", order.OrderId);
        }
        finally
        {
            foreach (var service in Enumerable.Reverse(hosted))
            {
                await service.StopAsync(CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task JavaScriptConsumer_EventHeraldPublished_ReadsEveryAttributeFromTheKeysPartitionAndCommits()
    {
        var (topic, group) = (Unique("orders"), Unique("interop-js"));
        var options = server.NewOptions();
        var sent = new EventEnvelope
        {
            EventId = Guid.CreateVersion7().ToString(),
            EventType = "interop.order-placed",
            Source = "/herald/kafka-tests",
            Timestamp = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero),
            CorrelationId = "checkout-9",
            CausationId = "cause-1",
            UserId = "Zoë \"42\"",
            PartitionKey = "customer-7",
            Sequence = 3,
            Depth = 1,
            Extensions = new Dictionary<string, string>(StringComparer.Ordinal) { ["tenant"] = "acme" },
            Data = """{"orderId":"herald-1"}"""u8.ToArray(),
        };
        await using (var transport = new KafkaTransport(options))
        {
            await transport.SendAsync(topic, sent, Token);
        }

        // The sample's own consumer group: it joins, is assigned every partition and reads from the earliest event.
        var lines = await NodeSample.RunAsync(["kafka", "consume", "--brokers", server.Bootstrap, "--topic", topic, "--group", group, "--count", "1"], Token);

        var listening = lines[0].GetProperty("listening");
        Assert.Equal((topic, group, 4), (listening.GetProperty("topic").GetString(), listening.GetProperty("group").GetString(), listening.GetProperty("partitions").GetInt32()));
        Assert.Equal([0, 1, 2, 3], listening.GetProperty("assigned").EnumerateArray().Select(p => p.GetInt32()));
        var received = Assert.Single(lines.Skip(1)).GetProperty("received");
        var partition = KeyPartitioner.Partition("customer-7", 4);
        Assert.Equal((partition, partition, 0L, "customer-7"), (received.GetProperty("partition").GetInt32(), received.GetProperty("expectedPartition").GetInt32(),
            received.GetProperty("offset").GetInt64(), received.GetProperty("key").GetString()));
        Assert.Equal(sent.Timestamp.ToUnixTimeMilliseconds(), received.GetProperty("timestamp").GetInt64());
        Assert.Equal(new Dictionary<string, string>
        {
            ["specversion"] = "1.0",
            ["id"] = sent.EventId,
            ["type"] = "interop.order-placed",
            ["source"] = "/herald/kafka-tests",
            ["time"] = "2026-03-04T05:06:07.8900000Z",
            ["eventversion"] = "1",
            ["correlationid"] = "checkout-9",
            ["causationid"] = "cause-1",
            ["userid"] = "Zoë \"42\"",
            ["partitionkey"] = "customer-7",
            ["sequence"] = "3",
            ["depth"] = "1",
            ["tenant"] = "acme",
            ["datacontenttype"] = "application/json",
        }, Attributes(received));
        Assert.Equal("herald-1", received.GetProperty("data").GetProperty("orderId").GetString());

        // What it printed its group committed: read again, the group would go on after the event.
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = server.Bootstrap }).Build();
        var committed = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, [new TopicPartition(topic, partition)])]);
        Assert.Equal(1L, Assert.Single(Assert.Single(committed).Partitions).Offset.Value);
    }

    private static Dictionary<string, string> Attributes(JsonElement received) =>
        received.GetProperty("attributes").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
}
