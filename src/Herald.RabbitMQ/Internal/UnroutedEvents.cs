using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Herald.RabbitMQ.Internal;

/// <summary>Keeps the events no queue took (no group bound yet, or a partition no group has) in the topic's durable
/// <see cref="RabbitMQNames.Unrouted"/> queue, and hands them to the topic again when a group binds its queues.</summary>
/// <remarks>
/// The queue is fed by the fanout exchange of the same name, the topic exchange's alternate exchange, so it keeps any
/// producer's events with their routing keys. An exchange declared without one cannot be given one, so Herald also
/// publishes <c>mandatory</c> and puts an event the broker returns there itself, its routing key in a header. A group that
/// starts listening binds its queues, then republishes what the queue held, each acknowledged once confirmed again.
/// </remarks>
internal static class UnroutedEvents
{
    private const string RoutingKeyHeader = "x-herald-routing-key";

    /// <summary>Publishes an event to the topic's exchange; one that no queue takes goes to the topic's unrouted queue.</summary>
    public static async Task PublishAsync(IChannel channel, string exchange, string routingKey, BasicProperties properties,
        ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        try
        {
            // With confirmation tracking the task completes when the broker confirms, throws when it nacks or returns.
            await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (PublishReturnException)
        {
            // No queue matched and the exchange has no alternate one; the broker kept nothing. This copy is confirmed
            // before SendAsync returns.
        }

        properties.Headers = new Dictionary<string, object?>(properties.Headers ?? new Dictionary<string, object?>()) { [RoutingKeyHeader] = routingKey };
        await channel.BasicPublishAsync(string.Empty, RabbitMQNames.Unrouted(exchange), mandatory: true, properties, body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Declares the topic's exchange with its unrouted queue (durable, quorum, fed by a fanout exchange of the same name) as alternate exchange.</summary>
    public static async Task DeclareTopicAsync(IChannel channel, Func<CancellationToken, ValueTask<IConnection>> connect, string exchange)
    {
        var unrouted = RabbitMQNames.Unrouted(exchange);
        await channel.QueueDeclareAsync(unrouted, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(unrouted, ExchangeType.Fanout, durable: true, autoDelete: false).ConfigureAwait(false);
        await channel.QueueBindAsync(unrouted, unrouted, string.Empty).ConfigureAwait(false);
        try
        {
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Direct, durable: true, autoDelete: false,
                new Dictionary<string, object?> { ["alternate-exchange"] = unrouted }).ConfigureAwait(false);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
        {
            // Declared by an earlier version, without an alternate exchange, which a declaration cannot add (the refusal
            // closed the channel): Herald's mandatory publishes still keep its own unrouted events; ADR 0013 gives the
            // policy that keeps other producers' too.
            var again = await (await connect(CancellationToken.None).ConfigureAwait(false)).CreateChannelAsync().ConfigureAwait(false);
            await using var againDisposal = again.ConfigureAwait(false);
            await again.ExchangeDeclarePassiveAsync(exchange).ConfigureAwait(false);
        }
    }

    /// <summary>Republishes, through <paramref name="publish"/>, the events the topic's unrouted queue holds now.</summary>
    /// <remarks>Only those there at the start: an event that still matches no queue goes back to the queue's tail.</remarks>
    public static async Task DrainAsync(IConnection connection, string exchange,
        Func<string, BasicProperties, ReadOnlyMemory<byte>, CancellationToken, Task> publish, CancellationToken cancellationToken)
    {
        var unrouted = RabbitMQNames.Unrouted(exchange);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var channelDisposal = channel.ConfigureAwait(false);
        var waiting = (await channel.QueueDeclarePassiveAsync(unrouted, cancellationToken).ConfigureAwait(false)).MessageCount;
        for (var drained = 0; drained < waiting && await channel.BasicGetAsync(unrouted, autoAck: false, cancellationToken).ConfigureAwait(false) is { } message; drained++)
        {
            var properties = new BasicProperties(message.BasicProperties);
            var headers = new Dictionary<string, object?>(properties.Headers ?? new Dictionary<string, object?>());
            headers.Remove(RoutingKeyHeader, out var key);
            properties.Headers = headers;
            // Through the alternate exchange the routing key is the original one; returned to the publisher, it is in the header.
            var routingKey = key switch { byte[] bytes => Encoding.UTF8.GetString(bytes), string text => text, _ => message.RoutingKey };
            await publish(routingKey, properties, message.Body, cancellationToken).ConfigureAwait(false);
            // Acknowledged after the republish is confirmed: a crash in between publishes it twice, never loses it.
            await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken).ConfigureAwait(false);
        }
    }
}
