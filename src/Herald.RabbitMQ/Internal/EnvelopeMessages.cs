using System.Globalization;
using System.Text;
using Herald.Events;
using RabbitMQ.Client;

namespace Herald.RabbitMQ.Internal;

/// <summary>Maps envelopes to AMQP messages in CloudEvents binary mode, with the AMQP binding's names.</summary>
/// <remarks>
/// The CloudEvents AMQP protocol binding puts attributes in application properties (AMQP 0-9-1 headers) named
/// <c>cloudEvents_</c> + attribute, the prefix the binding now prefers over <c>cloudEvents:</c> (which readers must
/// still accept, and this one does), and <c>datacontenttype</c> in the message's content-type property. Values are
/// the same strings <see cref="CloudEventHeaders"/> writes for the Kafka binding, so one mapping serves both.
/// </remarks>
internal static class EnvelopeMessages
{
    /// <summary>The header prefix of every attribute.</summary>
    public const string Prefix = "cloudEvents_";

    /// <summary>The older prefix of the binding, still accepted when reading.</summary>
    public const string ColonPrefix = "cloudEvents:";

    /// <summary>Returns the persistent message properties that carry <paramref name="envelope"/>'s attributes.</summary>
    public static BasicProperties Properties(EventEnvelope envelope)
    {
        var pairs = CloudEventHeaders.ToHeaders(envelope);
        var headers = new Dictionary<string, object?>(pairs.Count, StringComparer.Ordinal);
        var properties = new BasicProperties
        {
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = envelope.EventId,
            Headers = headers,
        };
        foreach (var (name, value) in pairs)
        {
            if (name == CloudEventHeaders.ContentType)
            {
                properties.ContentType = value;
            }
            else
            {
                headers[string.Concat(Prefix, name.AsSpan(CloudEventHeaders.Prefix.Length))] = value;
            }
        }

        return properties;
    }

    /// <summary>Reads the envelope of a delivered message.</summary>
    /// <exception cref="EventFormatException">The message is not a CloudEvent in binary mode.</exception>
    public static EventEnvelope Read(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        var pairs = new List<KeyValuePair<string, string>>(16);
        if (properties.ContentType is { } contentType)
        {
            pairs.Add(new(CloudEventHeaders.ContentType, contentType));
        }

        if (properties.Headers is { } headers)
        {
            foreach (var (name, value) in headers)
            {
                var attribute = name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..]
                    : name.StartsWith(ColonPrefix, StringComparison.Ordinal) ? name[ColonPrefix.Length..]
                    : null;
                if (attribute is not null && Text(value) is { } text)
                {
                    pairs.Add(new(CloudEventHeaders.Prefix + attribute, text));
                }
            }
        }

        // The body is only valid during the consumer callback: the envelope gets a copy.
        return CloudEventHeaders.Read(pairs, body.ToArray());
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
}
