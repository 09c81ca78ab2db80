using System.Globalization;
using System.Text;
using Herald.DeadLetters;
using Herald.Events;
using NATS.Client.JetStream;

namespace Herald.Nats.Internal;

/// <summary>Turns a message Herald cannot read as a CloudEvent into a dead letter that keeps all of it.</summary>
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

    public static DeadLetter ToDeadLetter(INatsJSMsg<byte[]> message, string stream, string topic, string group, EventFormatException error, DateTimeOffset now)
    {
        var raw = new StringBuilder();
        string? id = null, type = null, contentType = null;
        foreach (var (name, values) in message.Headers ?? [])
        {
            var value = values.ToString();
            raw.Append(name).Append(": ").Append(value).Append("\r\n");
            switch (NatsEnvelopeCodec.HeraldName(name))
            {
                case "ce_id":
                    id = Readable(value);
                    break;
                case "ce_type":
                    type = Readable(value);
                    break;
                case "ce_datacontenttype":
                    contentType ??= Readable(value);
                    break;
                case var other when string.Equals(other, CloudEventHeaders.ContentType, StringComparison.OrdinalIgnoreCase):
                    contentType = Readable(value);
                    break;
            }
        }

        var metadata = message.Metadata;
        var place = string.Create(CultureInfo.InvariantCulture, $"{stream}-{metadata?.Sequence.Stream}");
        var envelope = new EventEnvelope
        {
            EventId = place,
            EventType = type ?? UnknownType,
            Source = message.Subject,
            Timestamp = metadata?.Timestamp ?? now,
            CorrelationId = id ?? place,
            DataContentType = contentType ?? "application/octet-stream",
            Extensions = new Dictionary<string, string>(StringComparer.Ordinal) { [HeadersExtension] = raw.ToString() },
            Data = message.Data ?? [],
        };
        return new DeadLetter
        {
            Group = group,
            Topic = topic,
            Envelope = envelope,
            // No handler ran; retrying cannot make the message readable.
            Failure = new DeadLetterFailure(DeadLetterReason.Undeserializable, typeof(EventFormatException).FullName!, error.Message, null, null, 0, now, now, now),
        };
    }

    private static string? Readable(string value) => NatsEnvelopeCodec.Decode(NatsEnvelopeCodec.Unquote(value)) is { Length: > 0 } text ? text : null;
}
