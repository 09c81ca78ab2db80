using System.Collections.Concurrent;
using System.Text;
using Herald.Conformance.Consuming;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Nats.Internal;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using static Herald.Nats.Tests.NatsTestSupport;

namespace Herald.Nats.Tests;

/// <summary>Events published by a producer that is not Herald: the plain NATS client, the CloudEvents NATS binding, headers in any case.</summary>
public sealed class NatsForeignProducerTests(NatsServer server)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListenAsync_ForeignCloudEventWithMixedCaseQuotedHeaders_ReadsEveryAttribute()
    {
        var (topic, group) = (Unique("orders"), Unique("billing"));
        var options = server.NewOptions();
        await using var transport = new NatsTransport(options);
        var listener = await transport.ListenAsync(topic, group, Token);
        var headers = new NatsHeaders
        {
            ["Ce-Specversion"] = "1.0",
            ["Ce-Id"] = "\"foreign-1\"",
            ["CE-TYPE"] = "nats-test.order-placed",
            ["Ce-Source"] = "\"/billing/\\\"legacy\\\"\"",
            ["ce-Time"] = "2026-02-03T04:05:06Z",
            ["Ce-Userid"] = "\"Zo%C3%AB 42\"",
            ["Ce-PartitionKey"] = "order-9",
            ["ce-datacontenttype"] = "application/vnd.shop+json",
            ["Ce-Tenant"] = "acme",
        };

        await PublishAsync(options, topic, partition: KeyPartitioner.Partition("order-9", options.PartitionsPerTopic), headers, """{"orderId":"f1"}""");

        var envelope = (await ReceiveAsync(listener, 1))[0].Envelope;
        await listener.DisposeAsync();
        Assert.Equal(("foreign-1", "nats-test.order-placed", "/billing/\"legacy\""), (envelope.EventId, envelope.EventType, envelope.Source));
        Assert.Equal((new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.Zero), "Zoë 42", "order-9"), (envelope.Timestamp, envelope.UserId, envelope.PartitionKey));
        Assert.Equal("application/vnd.shop+json", envelope.DataContentType);
        Assert.Equal("acme", envelope.Extensions["tenant"]);
    }

    [Fact]
    public async Task Consumer_ForeignEventWithContentTypeHeader_IsHandled()
    {
        var (topic, group) = (Unique("orders"), Unique("billing"));
        var probe = new PipelineProbe();
        var options = server.NewOptions();
        await using var services = Host(options, topic, group, probe);
        var hosted = await StartAsync(services);

        // A foreign producer publishes to a stream Herald created: here, once the group's consumers exist.
        var jetStream = new NatsJSContext(server.Connection);
        await UntilAsync(async () =>
        {
            try
            {
                return (await jetStream.GetConsumerAsync(NatsNames.Stream(options, topic), NatsNames.Consumer(group, 5), Token)) is not null;
            }
            catch (NatsJSApiException)
            {
                return false;
            }
        });
        var headers = new NatsHeaders
        {
            ["CE-SPECVERSION"] = "\"1.0\"",
            ["Ce-Id"] = Unique("foreign"),
            ["Ce-Type"] = "\"conformance.order-placed\"",
            ["Ce-Source"] = "/legacy-billing",
            ["Content-Type"] = "application/json",
        };
        await PublishAsync(options, topic, partition: 5, headers, """{"orderId":"f2"}""");

        await probe.WaitUntilHandledAsync(() => probe.Handled.Contains((group, "f2")), TimeSpan.FromSeconds(15));
        await StopAsync(hosted);
    }

    [Fact]
    public async Task ListenAsync_UnreadableForeignMessage_IsHandedOutInPlaceWithRawHeadersAndBodyAndLogged()
    {
        var (topic, group) = (Unique("orders"), Unique("billing"));
        var options = server.NewOptions();
        var logger = new ListLogger();
        await using var transport = new NatsTransport(options, logger: logger);
        var listener = await transport.ListenAsync(topic, group, Token);
        var id = Unique("unreadable");
        var unreadable = new NatsHeaders { ["Ce-Id"] = id, ["Ce-Type"] = "legacy.thing", ["X-Trace"] = "abc" };
        var readable = new NatsHeaders { ["ce-specversion"] = "1.0", ["ce-id"] = Unique("readable"), ["ce-type"] = "t", ["ce-source"] = "/s" };

        var place = await PublishAsync(options, topic, partition: 2, unreadable, "not a cloud event");
        await PublishAsync(options, topic, partition: 2, readable, "{}");

        // In its place, so the pipeline dead-letters it in order; the readable message behind it follows.
        var deliveries = await ReceiveAsync(listener, 2);
        var (letter, next) = (deliveries[0], deliveries[1]);
        Assert.Equal(readable["ce-id"].ToString(), next.Envelope.EventId);
        // Named by the message's place in the stream: a producer reusing ce-ids cannot make one letter replace another.
        var letterId = $"{NatsNames.Stream(options, topic)}-{place}";
        Assert.Equal((letterId, id, "legacy.thing", "not a cloud event"), (letter.Envelope.EventId, letter.Envelope.CorrelationId, letter.Envelope.EventType, Encoding.UTF8.GetString(letter.Envelope.Data.Span)));
        Assert.Contains($"Ce-Id: {id}", letter.Envelope.Extensions["natsheaders"], StringComparison.Ordinal);
        Assert.Contains("X-Trace: abc", letter.Envelope.Extensions["natsheaders"], StringComparison.Ordinal);
        Assert.Contains(logger.Lines, l => l.Contains(letterId, StringComparison.Ordinal) && l.Contains("dead-lettered", StringComparison.Ordinal));
        await listener.CompleteAsync(letter, Token);
        await listener.CompleteAsync(next, Token);
        await UntilAsync(async () => (await transport.GetLagAsync(topic, group, Token))!.Sum(p => p.Lag) == 0);
        await listener.DisposeAsync();
    }

    [Fact]
    public async Task Consumer_UnreadableForeignMessage_IsDeadLetteredWithRawHeadersBodyAndReason_AndTheNextIsHandled()
    {
        var (topic, group) = (Unique("orders"), Unique("billing"));
        var probe = new PipelineProbe();
        var options = server.NewOptions();
        await using var services = Host(options, topic, group, probe);
        var hosted = await StartAsync(services);

        var id = Unique("unreadable");
        var unreadable = new NatsHeaders { ["Ce-Id"] = id, ["Ce-Type"] = "legacy.thing", ["X-Trace"] = "abc" };
        var readable = new NatsHeaders { ["ce-specversion"] = "1.0", ["ce-id"] = Unique("readable"), ["ce-type"] = "conformance.order-placed", ["ce-source"] = "/s" };
        var place = await PublishAsync(options, topic, partition: 2, unreadable, "not a cloud event");
        await PublishAsync(options, topic, partition: 2, readable, """{"orderId":"r1"}""");

        await probe.WaitUntilHandledAsync(() => probe.Handled.Contains((group, "r1")), TimeSpan.FromSeconds(15));
        var transport = (NatsTransport)services.GetRequiredService<ITransport>();
        var letterId = $"{NatsNames.Stream(options, topic)}-{place}";
        DeadLetter? letter = null;
        await UntilAsync(async () => (letter = (await transport.DeadLetterStore.GetAllAsync(Token)).SingleOrDefault(l => l.Group == group && l.EventId == letterId)) is not null);
        Assert.Equal((group, topic, DeadLetterReason.Undeserializable), (letter!.Group, letter.Topic, letter.Failure.Reason));
        Assert.Equal(typeof(EventFormatException).FullName, letter.Failure.ExceptionType);
        Assert.Contains("specversion", letter.Failure.ExceptionMessage, StringComparison.Ordinal);
        Assert.Equal((id, "legacy.thing", "not a cloud event"), (letter.Envelope.CorrelationId, letter.EventType, Encoding.UTF8.GetString(letter.Envelope.Data.Span)));
        Assert.Contains("X-Trace: abc", letter.Envelope.Extensions["natsheaders"], StringComparison.Ordinal);
        // Settled once dead-lettered: the group has nothing left to read.
        await UntilAsync(async () => (await transport.GetLagAsync(topic, group, Token))!.Sum(p => p.Lag) == 0);
        await StopAsync(hosted);
    }

    /// <summary>A Herald application on the test server's NATS options with the order handler in <paramref name="group"/>.</summary>
    private static ServiceProvider Host(NatsTransportOptions options, string topic, string group, PipelineProbe probe) => new ServiceCollection()
        .AddSingleton(probe)
        .AddHerald(h => h
            .UseNats(o => (o.Connection, o.StreamPrefix, o.SubjectPrefix, o.DeadLetterBucket) = (options.Connection, options.StreamPrefix, options.SubjectPrefix, options.DeadLetterBucket))
            .AddEvent<OrderPlaced>(e => e.Topic = topic)
            .AddHandler<OrderPlacedHandler>(group))
        .BuildServiceProvider();

    private static async Task<List<IHostedService>> StartAsync(ServiceProvider services)
    {
        var hosted = services.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(Token);
        }

        return hosted;
    }

    private static async Task StopAsync(List<IHostedService> hosted)
    {
        foreach (var service in Enumerable.Reverse(hosted))
        {
            await service.StopAsync(Token);
        }
    }

    /// <summary>Publishes as a producer without Herald would: the JetStream client, the partition's subject, its own headers.</summary>
    /// <returns>The message's sequence in the stream.</returns>
    private async Task<ulong> PublishAsync(NatsTransportOptions options, string topic, int partition, NatsHeaders headers, string body)
    {
        var subject = $"{options.SubjectPrefix}.{NatsNames.Token(topic)}.{partition}";
        var ack = await new NatsJSContext(server.Connection).PublishAsync(subject, Encoding.UTF8.GetBytes(body), headers: headers, cancellationToken: Token);
        ack.EnsureSuccess();
        return ack.Seq;
    }

    private sealed class ListLogger : ILogger<NatsTransport>
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception));
    }
}
