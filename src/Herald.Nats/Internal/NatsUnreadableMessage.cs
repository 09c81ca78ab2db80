using System.Globalization;
using System.Text;
using Herald.Events;
using Herald.Hosting;
using NATS.Client.JetStream;

namespace Herald.Nats.Internal;

/// <summary>Turns a message Herald cannot read as a CloudEvent into an envelope that keeps all of it, for its dead letter.</summary>
/// <remarks>
/// The envelope is made of what the message has: id <c>&lt;stream&gt;-&lt;sequence&gt;</c>, correlation id its <c>ce-id</c>
/// (else the same), type from <c>ce-type</c> (else <see cref="UnknownType"/>), source the subject it was published to,
/// time the stream's, data the body unchanged, and the extension <see cref="HeadersExtension"/> the raw header block
/// (<c>Name: value</c> lines), so an operator sees exactly what the producer sent. The id is the message's place in the
/// stream, not its <c>ce-id</c>: dead letters are kept one per group and id, and a producer that reuses ids (or a
/// readable event that shares one) would otherwise replace one letter with another.
/// </remarks>
internal static class NatsUnreadableMessage
{
    /// <summary>The extension that keeps the message's raw headers.</summary>
    public const string HeadersExtension = "natsheaders";

    /// <summary>The event type of a dead letter whose message had no <c>ce-type</c>.</summary>
    public const string UnknownType = "herald.unreadable";

    // The headers Herald writes itself, kept beyond MaxExtensions in the letter of a message over the limits.
    private const int MappedHeaders = 20;

    /// <remarks>A message over the limits (<see cref="EventTooLargeException"/>) keeps its data only when it is within
    /// <see cref="EventLimits.MaxEventSize"/>; a header value over <see cref="EventLimits.MaxAttributeLength"/> is noted by its
    /// length, and headers past the limit on extensions are counted, not kept, so that the letter can be stored.</remarks>
    public static EventEnvelope ToEnvelope(INatsJSMsg<byte[]> message, string stream, EventLimits limits, Exception error, DateTimeOffset now)
    {
        var tooLarge = error is EventTooLargeException;
        var raw = new StringBuilder();
        string? id = null, type = null, contentType = null;
        var kept = 0;
        var dropped = 0;
        foreach (var (name, values) in message.Headers ?? [])
        {
            var value = values.ToString();
            if (tooLarge && (kept >= limits.MaxExtensions + MappedHeaders || name.Length > limits.MaxAttributeLength))
            {
                dropped++;
                continue;
            }

            kept++;
            if (tooLarge && value.Length > limits.MaxAttributeLength)
            {
                raw.Append(name).Append(": ").Append(CultureInfo.InvariantCulture, $"({value.Length:N0} characters, over MaxAttributeLength {limits.MaxAttributeLength:N0}; not kept)").Append("\r\n");
                continue;
            }

            raw.Append(name).Append(": ").Append(value).Append("\r\n");
            if (NatsEnvelopeCodec.Carries(name, "id"))
            {
                id = Readable(value);
            }
            else if (NatsEnvelopeCodec.Carries(name, "type"))
            {
                type = Readable(value);
            }
            else if (NatsEnvelopeCodec.Carries(name, "datacontenttype"))
            {
                contentType ??= Readable(value);
            }
            else if (string.Equals(name, CloudEventsBinding.Nats.ContentTypeHeader, StringComparison.OrdinalIgnoreCase))
            {
                contentType = Readable(value);
            }
        }

        if (dropped > 0)
        {
            raw.Append(CultureInfo.InvariantCulture, $"({dropped:N0} more headers, over MaxExtensions; not kept)\r\n");
        }

        var data = message.Data ?? [];
        var metadata = message.Metadata;
        var place = string.Create(CultureInfo.InvariantCulture, $"{stream}-{metadata?.Sequence.Stream}");
        return new EventEnvelope
        {
            EventId = place,
            EventType = type is not null && type.Length <= limits.MaxIdentifierLength ? type : UnknownType,
            Source = message.Subject,
            Timestamp = metadata?.Timestamp ?? now,
            CorrelationId = id is not null && id.Length <= limits.MaxIdentifierLength ? id : place,
            DataContentType = contentType ?? "application/octet-stream",
            Extensions = new Dictionary<string, string>(StringComparer.Ordinal) { [HeadersExtension] = raw.ToString() },
            Data = tooLarge && data.Length > limits.MaxEventSize ? [] : data,
        };
    }

    private static string? Readable(string value) => NatsEnvelopeCodec.Decode(NatsEnvelopeCodec.Unquote(value)) is { Length: > 0 } text ? text : null;
}
