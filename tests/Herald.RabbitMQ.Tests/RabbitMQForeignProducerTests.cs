using System.Collections.Concurrent;
using Herald.DeadLetters;
using Herald.Hosting;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using static Herald.RabbitMQ.Tests.TestSupport;

namespace Herald.RabbitMQ.Tests;

/// <summary>Messages a producer other than Herald publishes with the plain client, as the CloudEvents AMQP binding describes them.</summary>
public sealed class RabbitMQForeignProducerTests(RabbitMQBroker broker) : IAsyncLifetime
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

    [Fact]
    public async Task Listener_NativeAmqpTimestampAndTypedValues_HandsTheEventOver()
    {
        var token = TestContext.Current.CancellationToken;
        var (transport, options) = Transport();
        var listener = await ListenAsync(transport, "payments", "ledger");
        await using var channel = await broker.Connection.CreateChannelAsync(cancellationToken: token);

        await PublishAsync(channel, options.NamePrefix + "payments", "p1", new Dictionary<string, object?>
        {
            ["cloudEvents_specversion"] = "1.0",
            ["cloudEvents_id"] = "payment-1",
            ["cloudEvents_type"] = "payments.captured",
            ["cloudEvents_source"] = "/payments",
            ["cloudEvents_time"] = new AmqpTimestamp(1796455256),
            ["cloudEvents_sequence"] = 3,
        }, token);

        var delivery = Assert.Single(await ReceiveAsync(listener, 1, Timeout));
        Assert.Equal(("payment-1", DateTimeOffset.FromUnixTimeSeconds(1796455256), 3L), (delivery.Envelope.EventId, delivery.Envelope.Timestamp, delivery.Envelope.Sequence));
    }

    [Fact]
    public async Task Listener_MessageThatIsNotACloudEvent_HandedOutInPlaceWithRawBodyAndHeadersAndLogged()
    {
        var token = TestContext.Current.CancellationToken;
        var logger = new RecordingLogger();
        var (transport, options) = Transport(logger);
        var listener = await ListenAsync(transport, "invoices", "archive");
        await using var channel = await broker.Connection.CreateChannelAsync(cancellationToken: token);

        // No specversion: not a CloudEvent. A readable event follows on the same partition.
        await PublishJunkAsync(channel, options.NamePrefix + "invoices", "invoice-junk", token);
        await PublishAsync(channel, options.NamePrefix + "invoices", "p2", CloudEvent("invoice-2"), token);

        // In its place, so the pipeline dead-letters it in order; the readable event behind it follows.
        var deliveries = await ReceiveAsync(listener, 2, Timeout);
        Assert.Equal(["invoice-junk", "invoice-2"], deliveries.Select(d => d.Envelope.EventId));
        var junk = deliveries[0].Envelope;
        Assert.Equal(("herald.unreadable-message", "text/csv"), (junk.EventType, junk.DataContentType));
        Assert.Equal("id;amount\n1;12"u8.ToArray(), junk.Data.ToArray());
        Assert.Contains("\"legacy-system\":\"mainframe\"", junk.Extensions["amqpheaders"], StringComparison.Ordinal);
        Assert.Contains(logger.Lines, l => l.Contains("invoice-junk", StringComparison.Ordinal) && l.Contains("archive", StringComparison.Ordinal));
        // Settled as any other delivery: the queue keeps nothing of either.
        foreach (var delivery in deliveries)
        {
            await listener.CompleteAsync(delivery, token);
        }

        Assert.True(await EventuallyAsync(async () => (await transport.GetLagAsync("invoices", "archive", token))!.Sum(p => p.Lag) == 0, Timeout));
    }

    [Fact]
    public async Task Consumer_MessageThatIsNotACloudEvent_DeadLetteredWithRawBodyHeadersAndReason_AndTheNextIsHandled()
    {
        var token = TestContext.Current.CancellationToken;
        var handling = new Handling();
        var options = RabbitMQBroker.NewOptions();
        var transport = broker.CreateTransport(options);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(handling).AddHerald(h => h
            .UseTransport(_ => transport)
            .AddEvent<OrderPlaced>(e => e.Topic = "invoices")
            .AddHandler<OrderPlacedHandler>("archive"));
        using var host = builder.Build();
        await host.StartAsync(token);
        try
        {
            await using var channel = await broker.Connection.CreateChannelAsync(cancellationToken: token);
            await PublishJunkAsync(channel, options.NamePrefix + "invoices", "invoice-junk", token);
            var readable = CloudEvent("invoice-2");
            readable["cloudEvents_type"] = "test.order-placed";
            await PublishAsync(channel, options.NamePrefix + "invoices", "p2", readable, token, body: """{"orderId":"r1"}"""u8.ToArray());

            Assert.True(await EventuallyAsync(() => new(handling.Calls.Any(c => c.OrderId == "r1")), Timeout));
            DeadLetter? letter = null;
            Assert.True(await EventuallyAsync(async () => (letter = (await transport.DeadLetterStore.GetAllAsync(token)).SingleOrDefault(l => l.Group == "archive" && l.EventId == "invoice-junk")) is not null, Timeout));
            Assert.Equal(("invoices", DeadLetterReason.Undeserializable), (letter!.Topic, letter.Failure.Reason));
            Assert.Equal(typeof(Herald.Events.EventFormatException).FullName, letter.Failure.ExceptionType);
            Assert.Contains("specversion", letter.Failure.ExceptionMessage, StringComparison.Ordinal);
            Assert.Equal("id;amount\n1;12"u8.ToArray(), letter.Envelope.Data.ToArray());
            Assert.Equal("text/csv", letter.Envelope.DataContentType);
            Assert.Contains("\"legacy-system\":\"mainframe\"", letter.Envelope.Extensions["amqpheaders"], StringComparison.Ordinal);
            // Acknowledged once dead-lettered: the queue keeps nothing of it.
            Assert.True(await EventuallyAsync(async () => (await transport.GetLagAsync("invoices", "archive", token))!.Sum(p => p.Lag) == 0, Timeout));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            await transport.DeleteTopologyAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ListenAsync_EventsPublishedBeforeAnyGroupBound_FirstGroupReceivesEach()
    {
        var token = TestContext.Current.CancellationToken;
        var (transport, options) = Transport();
        var exchange = options.NamePrefix + "refunds";
        await using var channel = await broker.Connection.CreateChannelAsync(cancellationToken: token);

        // Herald's own publish declares the topic; then a foreign producer publishes a readable and an unreadable message.
        var ours = Envelope("refund-1", 0);
        await transport.SendAsync("refunds", ours, token);
        await PublishAsync(channel, exchange, "p3", CloudEvent("refund-foreign"), token);
        await PublishAsync(channel, exchange, "p3", new Dictionary<string, object?> { ["cloudEvents_id"] = "refund-junk" }, token, body: "?"u8.ToArray());
        var listener = await ListenAsync(transport, "refunds", "accounting");

        // The unreadable one too, in its place (after the readable one of its partition), for the pipeline to dead-letter.
        var received = await ReceiveAsync(listener, 4, TimeSpan.FromSeconds(3));
        Assert.Equal(new[] { ours.EventId, "refund-foreign", "refund-junk" }.Order(StringComparer.Ordinal), received.Select(d => d.Envelope.EventId).Order(StringComparer.Ordinal));
        Assert.Equal(["refund-foreign", "refund-junk"], received.Where(d => d.Partition == 3).Select(d => d.Envelope.EventId));
        Assert.Equal("herald.unreadable-message", received.Single(d => d.Envelope.EventId == "refund-junk").Envelope.EventType);
    }

    [Fact]
    public async Task ListenAsync_ForeignEventWithARoutingKeyNoPartitionHas_KeptInTheUnroutedQueueThroughEveryDrain()
    {
        var token = TestContext.Current.CancellationToken;
        var (transport, options) = Transport();
        var exchange = options.NamePrefix + "returns";
        var unrouted = exchange + ":unrouted";
        _ = await ListenAsync(transport, "returns", "warehouse");
        await using var channel = await broker.Connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), token);

        // The group has partitions p0 to p3: a producer that computed the partition for eight partitions sends p6, and
        // another sends a routing key that is no partition at all. Confirmed means the broker has put each in a queue.
        await PublishAsync(channel, exchange, "p6", CloudEvent("return-p6"), token);
        await PublishAsync(channel, exchange, "returns", CloudEvent("return-named"), token);
        Assert.Equal(2u, (await channel.QueueDeclarePassiveAsync(unrouted, token)).MessageCount);

        // A group that binds later hands them to the exchange again; still matching no queue, they come back to wait.
        _ = await ListenAsync(transport, "returns", "audit");
        Assert.True(await EventuallyAsync(async () => (await channel.QueueDeclarePassiveAsync(unrouted, token)).MessageCount == 2, Timeout));
        var kept = new List<(string?, string)>();
        while (await channel.BasicGetAsync(unrouted, autoAck: true, token) is { } message)
        {
            kept.Add((Herald.RabbitMQ.Internal.EnvelopeMessages.Text(message.BasicProperties.Headers!["cloudEvents_id"]), message.RoutingKey));
        }

        Assert.Equal([("return-named", "returns"), ("return-p6", "p6")], kept.Order());
    }

    [Fact]
    public async Task SendAsync_ExchangeDeclaredWithoutAlternateExchange_EventWaitsForTheFirstGroup()
    {
        // An exchange an earlier version declared cannot be given an alternate exchange: the returned publish is kept instead.
        var token = TestContext.Current.CancellationToken;
        var (transport, options) = Transport();
        await using (var channel = await broker.Connection.CreateChannelAsync(cancellationToken: token))
        {
            await channel.ExchangeDeclareAsync(options.NamePrefix + "credits", ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: token);
        }

        var sent = Envelope("credit-1", 0);
        await transport.SendAsync("credits", sent, token);
        var listener = await ListenAsync(transport, "credits", "ledger");

        var delivery = Assert.Single(await ReceiveAsync(listener, 2, TimeSpan.FromSeconds(3)));
        Assert.Equal(sent.EventId, delivery.Envelope.EventId);
    }

    private (RabbitMQTransport Transport, RabbitMQTransportOptions Options) Transport(ILogger? logger = null)
    {
        var options = RabbitMQBroker.NewOptions();
        var transport = broker.CreateTransport(options, logger: logger);
        _transports.Add(transport);
        return (transport, options);
    }

    private async Task<ITransportListener> ListenAsync(RabbitMQTransport transport, string topic, string group)
    {
        var listener = await transport.ListenAsync(topic, group, TestContext.Current.CancellationToken);
        _listeners.Add(listener);
        return listener;
    }

    private static Dictionary<string, object?> CloudEvent(string id) => new()
    {
        ["cloudEvents_specversion"] = "1.0",
        ["cloudEvents_id"] = id,
        ["cloudEvents_type"] = "invoices.issued",
        ["cloudEvents_source"] = "/invoices",
    };

    /// <summary>Publishes to partition 2 a message that is not a CloudEvent (no specversion), with a header of its own and a CSV body.</summary>
    private static Task PublishJunkAsync(IChannel channel, string exchange, string id, CancellationToken token) =>
        PublishAsync(channel, exchange, "p2", new Dictionary<string, object?> { ["cloudEvents_id"] = id, ["legacy-system"] = "mainframe" },
            token, contentType: "text/csv", body: "id;amount\n1;12"u8.ToArray());

    /// <summary>Publishes as a non-Herald producer does: binary mode, <c>cloudEvents_*</c> headers, the content-type property.</summary>
    private static async Task PublishAsync(IChannel channel, string exchange, string routingKey, Dictionary<string, object?> headers,
        CancellationToken token, string contentType = "application/json", byte[]? body = null)
    {
        var properties = new BasicProperties { ContentType = contentType, DeliveryMode = DeliveryModes.Persistent, Headers = headers };
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, body ?? """{"amount":12}"""u8.ToArray(), token);
    }

    /// <summary>Keeps every log line the transport writes.</summary>
    private sealed class RecordingLogger : ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception));
    }
}
