using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Herald.Events;
using Herald.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Herald.RabbitMQ.Internal;

/// <summary>Maps envelopes to AMQP messages in CloudEvents binary mode with core's codec and the AMQP binding's names
/// (<see cref="CloudEventsBinding.Amqp"/>: <c>cloudEvents_</c> headers, <c>cloudEvents:</c> read too, the content-type
/// property); what is AMQP's own is here: the message properties, and the typed values a producer may send.</summary>
internal static class EnvelopeMessages
{
    /// <summary>The event type of the envelope of a message that is not a readable CloudEvent.</summary>
    public const string UnreadableType = "herald.unreadable-message";

    /// <summary>Returns the persistent message properties that carry <paramref name="envelope"/>'s attributes.</summary>
    public static BasicProperties Properties(EventEnvelope envelope)
    {
        var headers = new Dictionary<string, object?>(16, StringComparer.Ordinal);
        CloudEventsBinding.Amqp.Write(envelope, headers, static (headers, name, value) => headers[name] = value);
        return new BasicProperties { DeliveryMode = DeliveryModes.Persistent, MessageId = envelope.EventId, ContentType = envelope.DataContentType, Headers = headers };
    }

    /// <summary>Reads a delivered message, held to <paramref name="limits"/> (nothing over a limit is decoded or copied; the body,
    /// valid only during the consumer callback, is copied); one that is not a readable CloudEvent, or is over the limits,
    /// comes back as an envelope that keeps what arrived, with the <see cref="EventFormatException"/> or
    /// <see cref="EventTooLargeException"/> in <paramref name="error"/>.</summary>
    /// <remarks>That envelope has type <see cref="UnreadableType"/>, the body as data (within <see cref="EventLimits.MaxEventSize"/>),
    /// the headers and properties as the JSON extensions <c>amqpheaders</c> and <c>amqpproperties</c> (over the limits, only the
    /// headers within them), and as id the message's CloudEvents id, else its message id, else <c>unreadable</c>. The quorum
    /// queue's <c>x-delivery-count</c> is left out, so a message that comes again has the same dead letter (its id adds a digest of the content).</remarks>
    public static EventEnvelope Read(BasicDeliverEventArgs message, string queue, EventLimits limits, DateTimeOffset now, out Exception? error)
    {
        var properties = message.BasicProperties;
        var reader = Reader(properties, limits);
        var envelope = reader.Build(reader.AdmitsData(message.Body.Length) ? message.Body.ToArray() : ReadOnlyMemory<byte>.Empty, string.Empty, out error);
        if (error is null)
        {
            return envelope;
        }

        var headers = (properties.Headers ?? new Dictionary<string, object?>()).Where(h => h.Key != "x-delivery-count");
        var kept = error is EventTooLargeException ? headers.Where(h => Within(h.Key, limits) && Within(h.Value, limits)).Take(limits.MaxExtensions + 16) : headers;
        var id = envelope.EventId is { Length: > 0 } read ? read
            : properties.MessageId is { Length: > 0 } messageId && messageId.Length <= limits.MaxIdentifierLength ? messageId : "unreadable";
        return envelope with
        {
            EventId = id,
            CorrelationId = envelope.CorrelationId is { Length: > 0 } correlation ? correlation : id,
            EventType = UnreadableType,
            Source = "/herald/rabbitmq/" + queue,
            Timestamp = now,
            Extensions = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["amqpheaders"] = Json(kept.Select(h => (h.Key, Text(h.Value)))),
                ["amqpproperties"] = Json([("exchange", message.Exchange), ("routing-key", message.RoutingKey), ("content-type", properties.ContentType),
                    ("content-encoding", properties.ContentEncoding), ("message-id", properties.MessageId), ("correlation-id", properties.CorrelationId),
                    ("type", properties.Type), ("app-id", properties.AppId), ("user-id", properties.UserId),
                    ("timestamp", properties.IsTimestampPresent() ? Text(properties.Timestamp) : null)]),
            },
        };
    }

    // The AMQP binding lets a producer type its values: RabbitMQ.Client hands long strings back as bytes, short strings as
    // strings, a native timestamp (which consumers must accept for 'time') as AmqpTimestamp, integers as numbers.
    public static string? Text(object? value) => value switch
    {
        null => null,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string text => text,
        AmqpTimestamp timestamp => DateTimeOffset.FromUnixTimeSeconds(timestamp.UnixTime).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static CloudEventReader Reader(IReadOnlyBasicProperties properties, EventLimits limits)
    {
        var reader = new CloudEventReader(CloudEventsBinding.Amqp, limits);
        if (properties.ContentType is { } contentType)
        {
            reader.ReadContentType(contentType);
        }

        foreach (var (name, value) in properties.Headers ?? new Dictionary<string, object?>())
        {
            // RabbitMQ.Client hands long strings over as bytes: the reader measures them before it decodes them.
            if (value is byte[] bytes)
            {
                reader.ReadHeader(name, bytes);
            }
            else if (Text(value) is { } text)
            {
                reader.ReadHeader(name, text);
            }
        }

        return reader;
    }

    // Measured before it is decoded: a megabyte header is not copied into a letter that has to be stored.
    private static bool Within(object? value, EventLimits limits) => value switch
    {
        byte[] bytes => bytes.Length <= limits.MaxAttributeLength || Encoding.UTF8.GetCharCount(bytes) <= limits.MaxAttributeLength,
        string text => text.Length <= limits.MaxAttributeLength,
        _ => true,
    };

    private static string Json(IEnumerable<(string Name, string? Value)> fields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in fields.Where(f => f.Value is not null))
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
