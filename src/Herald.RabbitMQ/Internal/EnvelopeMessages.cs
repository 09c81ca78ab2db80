using System.Globalization;
using Herald.Events;
using Herald.Hosting;
using RabbitMQ.Client;

namespace Herald.RabbitMQ.Internal;

/// <summary>Maps envelopes to AMQP messages in CloudEvents binary mode, with the AMQP binding's names (<see cref="CloudEventsBinding.Amqp"/>).</summary>
/// <remarks>
/// The CloudEvents AMQP protocol binding puts attributes in application properties (AMQP 0-9-1 headers) named
/// <c>cloudEvents_</c> + attribute, the prefix the binding now prefers over <c>cloudEvents:</c> (which readers must
/// still accept, and this one does), and <c>datacontenttype</c> in the message's content-type property. The mapping is
/// core's codec; what is AMQP's own is here: the message properties, and the typed values a producer may send.
/// </remarks>
internal static class EnvelopeMessages
{
    private static readonly EventLimits DefaultLimits = new();

    private static CloudEventsBinding Binding => CloudEventsBinding.Amqp;

    /// <summary>Returns the persistent message properties that carry <paramref name="envelope"/>'s attributes.</summary>
    public static BasicProperties Properties(EventEnvelope envelope)
    {
        var headers = new Dictionary<string, object?>(16, StringComparer.Ordinal);
        Binding.Write(envelope, headers, static (headers, name, value) => headers[name] = value);
        return new BasicProperties
        {
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = envelope.EventId,
            ContentType = envelope.DataContentType,
            Headers = headers,
        };
    }

    /// <summary>Reads the envelope of a delivered message, held to <paramref name="limits"/>.</summary>
    /// <exception cref="EventFormatException">The message is not a CloudEvent in binary mode.</exception>
    /// <exception cref="EventTooLargeException">The body, a header value or the number of extensions is over <paramref name="limits"/>;
    /// nothing over a limit is decoded or copied.</exception>
    public static EventEnvelope Read(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, EventLimits? limits = null)
    {
        var reader = new CloudEventReader(Binding, limits ?? DefaultLimits);
        if (properties.ContentType is { } contentType)
        {
            reader.ReadContentType(contentType);
        }

        if (properties.Headers is { } headers)
        {
            foreach (var (name, value) in headers)
            {
                // RabbitMQ.Client hands long strings over as bytes: the reader measures them before it decodes them.
                if (value is byte[] bytes)
                {
                    reader.ReadHeader(name, bytes);
                }
                else if (IsAttribute(name) && Text(value) is { } text)
                {
                    reader.ReadHeader(name, text);
                }
            }
        }

        // The body is only valid during the consumer callback: the envelope gets a copy, unless it is over the limit.
        return reader.Build(reader.AdmitsData(body.Length) ? body.ToArray() : ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>Tells whether a header carries a CloudEvents attribute (the broker's and the client's own do not).</summary>
    public static bool IsAttribute(string name) =>
        name.StartsWith(Binding.Prefix, StringComparison.Ordinal) || name.StartsWith(Binding.AlternatePrefix!, StringComparison.Ordinal);

    // The AMQP binding lets a producer type its values: RabbitMQ.Client hands long strings back as bytes, short strings as
    // strings, a native timestamp (which consumers must accept for 'time') as AmqpTimestamp, integers as numbers.
    public static string? Text(object? value) => value switch
    {
        null => null,
        byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
        string text => text,
        AmqpTimestamp timestamp => DateTimeOffset.FromUnixTimeSeconds(timestamp.UnixTime).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
