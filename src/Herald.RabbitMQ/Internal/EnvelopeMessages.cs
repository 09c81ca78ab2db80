using System.Globalization;
using System.Text;
using Herald.Events;
using Herald.Hosting;
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

    private static readonly EventLimits DefaultLimits = new();

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

    /// <summary>Reads the envelope of a delivered message, held to <paramref name="limits"/>.</summary>
    /// <exception cref="EventFormatException">The message is not a CloudEvent in binary mode.</exception>
    /// <exception cref="EventTooLargeException">The body, a header value or the number of extensions is over <paramref name="limits"/>;
    /// nothing over a limit is decoded or copied.</exception>
    public static EventEnvelope Read(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, EventLimits? limits = null)
    {
        limits ??= DefaultLimits;
        var pairs = new List<KeyValuePair<string, string>>(16);
        if (properties.ContentType is { } contentType)
        {
            pairs.Add(new(CloudEventHeaders.ContentType, contentType));
        }

        (string Attribute, int Length)? tooLong = null;
        if (properties.Headers is { } headers)
        {
            foreach (var (name, value) in headers)
            {
                var attribute = name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..]
                    : name.StartsWith(ColonPrefix, StringComparison.Ordinal) ? name[ColonPrefix.Length..]
                    : null;
                if (attribute is null)
                {
                    continue;
                }

                // RabbitMQ.Client hands long strings over as bytes: one longer than any limit is measured, not decoded.
                if (value is byte[] bytes && bytes.Length > limits.MaxAttributeLength && Encoding.UTF8.GetCharCount(bytes) is var length && length > limits.MaxAttributeLength)
                {
                    tooLong ??= (attribute, length);
                }
                else if (Text(value) is { } text)
                {
                    pairs.Add(new(CloudEventHeaders.Prefix + attribute, text));
                }
            }
        }

        if (tooLong is { } over)
        {
            var type = pairs.Find(p => p.Key == CloudEventHeaders.Prefix + CloudEventAttributes.Type).Value;
            var (limit, max) = IsIdentifier(over.Attribute)
                ? (nameof(EventLimits.MaxIdentifierLength), limits.MaxIdentifierLength)
                : (nameof(EventLimits.MaxAttributeLength), limits.MaxAttributeLength);
            throw new EventTooLargeException(type is { Length: > 0 } && type.Length <= limits.MaxIdentifierLength ? type : string.Empty,
                limit, max, over.Length, over.Attribute, "the value was not kept");
        }

        // The body is only valid during the consumer callback: the envelope gets a copy, unless it is over the limit,
        // which the reader refuses before it keeps anything.
        return CloudEventHeaders.Read(pairs, body.Length <= limits.MaxEventSize ? body.ToArray() : body, limits);
    }

    private static bool IsIdentifier(string attribute) => attribute is CloudEventAttributes.Id or CloudEventAttributes.Type
        or CloudEventAttributes.Source or CloudEventAttributes.CorrelationId or CloudEventAttributes.CausationId
        or CloudEventAttributes.UserId or CloudEventAttributes.PartitionKey;

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
