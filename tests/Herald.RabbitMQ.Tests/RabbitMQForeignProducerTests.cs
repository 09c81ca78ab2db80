using System.Collections.Concurrent;
using Herald.DeadLetters;
using Herald.Transports;
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
    public async Task Listener_MessageThatIsNotACloudEvent_DeadLetteredWithBodyHeadersAndReasonAndLogged()
    {
        var token = TestContext.Current.CancellationToken;
        var logger = new RecordingLogger();
        var (transport, options) = Transport(logger);
        var listener = await ListenAsync(transport, "invoices", "archive");
        await using var channel = await broker.Connection.CreateChannelAsync(cancellationToken: token);

        // No specversion: not a CloudEvent. A readable event follows on the same partition.
        await PublishAsync(channel, options.NamePrefix + "invoices", "p2", new Dictionary<string, object?>
        {
            ["cloudEvents_id"] = "invoice-junk",
            ["legacy-system"] = "mainframe",
        }, token, contentType: "text/csv", body: "id;amount\n1;12"u8.ToArray());
        await PublishAsync(channel, options.NamePrefix + "invoices", "p2", CloudEvent("invoice-2"), token);

        // The readable event behind it arrives: the unreadable one neither blocks the partition nor is handed out.
        var delivery = Assert.Single(await ReceiveAsync(listener, 2, TimeSpan.FromSeconds(3)));
        Assert.Equal("invoice-2", delivery.Envelope.EventId);
        var letter = (await transport.DeadLetterStore.GetAllAsync(token)).SingleOrDefault(l => l.Group == "archive" && l.EventId == "invoice-junk");
        Assert.NotNull(letter);
        Assert.Equal(("invoices", DeadLetterReason.Undeserializable), (letter.Topic, letter.Failure.Reason));
        Assert.Contains("specversion", letter.Failure.ExceptionMessage, StringComparison.Ordinal);
        Assert.Equal("id;amount\n1;12"u8.ToArray(), letter.Envelope.Data.ToArray());
        Assert.Equal("text/csv", letter.Envelope.DataContentType);
        Assert.Contains("\"legacy-system\":\"mainframe\"", letter.Envelope.Extensions["amqpheaders"], StringComparison.Ordinal);
        Assert.Contains(logger.Lines, l => l.Contains("invoice-junk", StringComparison.Ordinal) && l.Contains("archive", StringComparison.Ordinal));
        // Acknowledged once its dead letter was saved: the queue keeps nothing of it.
        await listener.CompleteAsync(delivery, token);
        Assert.True(await EventuallyAsync(async () => (await transport.GetLagAsync("invoices", "archive", token))!.Sum(p => p.Lag) == 0, Timeout));
    }

    [Fact]
    public async Task ListenAsync_EventsPublishedBeforeAnyGroupBound_FirstGroupHandlesOrDeadLettersEach()
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

        var received = await ReceiveAsync(listener, 3, TimeSpan.FromSeconds(3));
        Assert.Equal(new[] { ours.EventId, "refund-foreign" }.Order(StringComparer.Ordinal), received.Select(d => d.Envelope.EventId).Order(StringComparer.Ordinal));
        Assert.True(await EventuallyAsync(async () => (await transport.DeadLetterStore.GetAllAsync(token)).Any(l => l.Group == "accounting" && l.EventId == "refund-junk"), Timeout));
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
