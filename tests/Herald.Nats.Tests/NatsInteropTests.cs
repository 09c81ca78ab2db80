using System.Text.Json;
using Herald.Conformance.Interop;
using Herald.Consuming;
using Herald.Events;
using Herald.Hosting;
using Herald.Nats.Internal;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NATS.Client.JetStream;
using static Herald.Nats.Tests.NatsTestSupport;

namespace Herald.Nats.Tests;

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

/// <summary>The JavaScript sample in samples/interop/js (the nats client) as producer and consumer of a Herald topic on NATS,
/// and its partitioner against Herald's.</summary>
public sealed class NatsInteropTests(NatsServer server)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task JavaScriptPartitioner_KafkaVectorsAndKeys_AgreesWithKeyPartitioner()
    {
        // Kafka's own murmur2 test vectors, every tail length, non-ASCII and a long key; the first two are docs/interop.md's example.
        string[] keys = ["order-42", "customer-7", "21", "foobar", "a-little-bit-long-string", "a-little-bit-longer-string",
            "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", "", "a", "ab", "abc", "Zoë", "注文-1", new string('k', 300)];
        var kafka = new Dictionary<string, int>
        {
            ["21"] = -973932308,
            ["foobar"] = -790332482,
            ["a-little-bit-long-string"] = -985981536,
            ["a-little-bit-longer-string"] = -1486304829,
            ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"] = -58897971,
        };

        foreach (var partitions in (int[])[4, 8, 13])
        {
            var printed = Assert.Single(await NodeSample.RunAsync(["partition", "--partitions", partitions.ToString(System.Globalization.CultureInfo.InvariantCulture), .. keys], Token));
            var js = printed.GetProperty("keys").EnumerateArray().ToDictionary(k => k.GetProperty("key").GetString()!);
            foreach (var key in keys)
            {
                Assert.Equal(KeyPartitioner.Murmur2(System.Text.Encoding.UTF8.GetBytes(key)), js[key].GetProperty("murmur2").GetInt32());
                Assert.Equal(KeyPartitioner.Partition(key, partitions), js[key].GetProperty("partition").GetInt32());
            }

            foreach (var (key, hash) in kafka)
            {
                Assert.Equal(hash, js[key].GetProperty("murmur2").GetInt32());
            }
        }

        // docs/interop.md's worked example.
        Assert.Equal((0, 0, 3, 7), (KeyPartitioner.Partition("order-42", 4), KeyPartitioner.Partition("order-42", 8),
            KeyPartitioner.Partition("customer-7", 4), KeyPartitioner.Partition("customer-7", 8)));
    }

    [Fact]
    public async Task JavaScriptProducer_MixedCaseQuotedEncodedHeaders_HandlerGetsEveryAttribute()
    {
        // '.' and '_' in the topic make the sample escape it as Herald does.
        var (topic, group) = (Unique("shop.orders_eu"), Unique("billing"));
        var options = server.NewOptions();
        var probe = new InteropProbe();
        await using var services = new ServiceCollection()
            .AddSingleton(probe)
            .AddHerald(h => h
                .UseNats(o => (o.Connection, o.StreamPrefix, o.SubjectPrefix, o.PartitionsPerTopic, o.DeadLetterBucket) =
                    (options.Connection, options.StreamPrefix, options.SubjectPrefix, options.PartitionsPerTopic, options.DeadLetterBucket))
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
            // The stream is Herald's: a producer publishes once Herald created it (here, once the group's consumers exist).
            var partition = KeyPartitioner.Partition("order-42", options.PartitionsPerTopic);
            var jetStream = new NatsJSContext(server.Connection);
            await UntilAsync(async () =>
            {
                try
                {
                    return (await jetStream.GetConsumerAsync(NatsNames.Stream(options, topic), NatsNames.Consumer(group, partition), Token)) is not null;
                }
                catch (NatsJSApiException)
                {
                    return false;
                }
            });
            var id = Guid.NewGuid().ToString();

            var published = Assert.Single(await NodeSample.RunAsync(
            [
                "nats", "publish", "--url", server.Url, "--subject-prefix", options.SubjectPrefix, "--topic", topic, "--partitions", "4",
                "--header-case", "mixed", "--id", id, "--type", "interop.order-placed", "--source", "/samples/interop/\"js\"",
                "--time", "2026-03-04T05:06:07.890Z", "--key", "order-42", "--correlation", "checkout-9", "--user", "Zoë 42",
                "--sequence", "7", "--extension", "tenant=acme", "--data", """{"orderId":"js-1"}""",
            ], Token)).GetProperty("published");
            Assert.Equal((partition, NatsNames.Subject(options, topic, partition), NatsNames.Stream(options, topic)),
                (published.GetProperty("partition").GetInt32(), published.GetProperty("subject").GetString(), published.GetProperty("stream").GetString()));

            var (envelope, order) = await probe.Handled.Task.WaitAsync(TimeSpan.FromSeconds(15), Token);
            Assert.Equal((id, "interop.order-placed", "/samples/interop/\"js\""), (envelope.EventId, envelope.EventType, envelope.Source));
            Assert.Equal(new DateTimeOffset(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero), envelope.Timestamp);
            Assert.Equal(("order-42", "checkout-9", "Zoë 42", 7L), (envelope.PartitionKey, envelope.CorrelationId, envelope.UserId, envelope.Sequence));
            Assert.Equal(("application/json", 1, 0), (envelope.DataContentType, envelope.EventVersion, envelope.Depth));
            Assert.Equal("acme", Assert.Single(envelope.Extensions).Value);
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
    public async Task JavaScriptConsumer_EventHeraldPublished_ReadsEveryAttributeFromTheKeysSubject()
    {
        var topic = Unique("shop.orders_eu");
        var options = server.NewOptions();
        await using var transport = new NatsTransport(options);
        var sent = new EventEnvelope
        {
            EventId = Guid.CreateVersion7().ToString(),
            EventType = "interop.order-placed",
            Source = "/herald/nats-tests",
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
        await transport.SendAsync(topic, sent, Token);

        var lines = await NodeSample.RunAsync(
        [
            "nats", "consume", "--url", server.Url, "--stream-prefix", options.StreamPrefix, "--topic", topic,
            "--partitions", "4", "--count", "1",
        ], Token);

        Assert.Equal(NatsNames.Stream(options, topic), lines[0].GetProperty("listening").GetProperty("stream").GetString());
        var received = Assert.Single(lines.Skip(1)).GetProperty("received");
        var partition = KeyPartitioner.Partition("customer-7", 4);
        Assert.Equal((NatsNames.Subject(options, topic, partition), partition, partition), (received.GetProperty("subject").GetString(),
            received.GetProperty("partition").GetInt32(), received.GetProperty("expectedPartition").GetInt32()));
        Assert.Equal(new Dictionary<string, string>
        {
            ["specversion"] = "1.0",
            ["id"] = sent.EventId,
            ["type"] = "interop.order-placed",
            ["source"] = "/herald/nats-tests",
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
    }

    private static Dictionary<string, string> Attributes(JsonElement received) =>
        received.GetProperty("attributes").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
}
