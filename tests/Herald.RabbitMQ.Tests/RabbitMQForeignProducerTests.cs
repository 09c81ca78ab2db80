using Herald.Transports;
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

    private (RabbitMQTransport Transport, RabbitMQOptions Options) Transport()
    {
        var options = RabbitMQBroker.NewOptions();
        var transport = broker.CreateTransport(options);
        _transports.Add(transport);
        return (transport, options);
    }

    private async Task<ITransportListener> ListenAsync(RabbitMQTransport transport, string topic, string group)
    {
        var listener = await transport.ListenAsync(topic, group, TestContext.Current.CancellationToken);
        _listeners.Add(listener);
        return listener;
    }

    /// <summary>Publishes as a non-Herald producer does: binary mode, <c>cloudEvents_*</c> headers, the content-type property.</summary>
    private static async Task PublishAsync(IChannel channel, string exchange, string routingKey, Dictionary<string, object?> headers,
        CancellationToken token, string contentType = "application/json", byte[]? body = null)
    {
        var properties = new BasicProperties { ContentType = contentType, DeliveryMode = DeliveryModes.Persistent, Headers = headers };
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, body ?? """{"amount":12}"""u8.ToArray(), token);
    }
}
