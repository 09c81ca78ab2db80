using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Events;
using Herald.Hosting;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Herald.Nats.Internal;

/// <summary>Writes and reads envelopes as NATS messages in CloudEvents binary content mode (NATS protocol binding).</summary>
/// <remarks>
/// <para>The mapping is core's codec with <see cref="CloudEventsBinding.Nats"/>: <c>ce-</c> + attribute, <c>datacontenttype</c>
/// in <c>ce-datacontenttype</c> and in <c>content-type</c>, header names in any case. What is NATS's own is here: header values
/// are percent-encoded as the HTTP binding does, so that non-ASCII text (a user id like "Zoë") survives the ASCII-only NATS
/// header block, and reading accepts RFC 7230 quoted values. The body is the event data, unchanged.</para>
/// <para>A message Herald cannot read becomes an envelope that keeps all of it, for its dead letter (<see cref="Unreadable"/>).</para>
/// </remarks>
internal static partial class NatsEnvelopeCodec
{
    /// <summary>The JetStream de-duplication header; Herald sets it to the event id.</summary>
    public const string MessageIdHeader = "Nats-Msg-Id";

    /// <summary>The extension of an unreadable message's envelope that keeps its raw headers.</summary>
    public const string HeadersExtension = "natsheaders";

    /// <summary>The event type of an unreadable message's envelope when it had no <c>ce-type</c>.</summary>
    public const string UnknownType = "herald.unreadable";

    // The headers Herald writes itself, kept beyond MaxExtensions in the letter of a message over the limits.
    private const int MappedHeaders = 20;

    private static CloudEventsBinding Binding => CloudEventsBinding.Nats;

    public static NatsHeaders ToHeaders(EventEnvelope envelope)
    {
        var headers = new NatsHeaders();
        Binding.Write(envelope, headers, static (headers, name, value) => headers[name] = Encode(value));
        headers[MessageIdHeader] = envelope.EventId;
        return headers;
    }

    /// <summary>Reads the envelope of a message, held to <paramref name="limits"/>.</summary>
    /// <exception cref="EventFormatException">The message is not a CloudEvent in binary mode.</exception>
    /// <exception cref="EventTooLargeException">The data, a header value or the number of extensions is over <paramref name="limits"/>.</exception>
    /// <remarks>A value over the limit is passed on without being unquoted or decoded (both only shorten it), and the reader
    /// refuses it before it keeps anything.</remarks>
    public static EventEnvelope Read(NatsHeaders? headers, ReadOnlyMemory<byte> data, EventLimits? limits = null)
    {
        var reader = new CloudEventReader(Binding, limits);
        reader.AdmitsData(data.Length);
        foreach (var (name, values) in headers ?? [])
        {
            var value = values.ToString();
            reader.ReadHeader(name, limits is not null && value.Length > limits.MaxAttributeLength ? value : Decode(Unquote(value)));
        }

        return reader.Build(data);
    }

    /// <summary>Returns an envelope that keeps all of a message Herald cannot read: id <c>&lt;stream&gt;-&lt;sequence&gt;</c>,
    /// correlation id its <c>ce-id</c> (else the same), type from <c>ce-type</c> (else <see cref="UnknownType"/>), source its
    /// subject, time the stream's, data the body, and <see cref="HeadersExtension"/> the raw header block.</summary>
    /// <remarks>The id is the message's place in the stream, not its <c>ce-id</c>: dead letters are kept one per group and id,
    /// and a producer that reuses ids would otherwise replace one letter with another. Over the limits
    /// (<see cref="EventTooLargeException"/>) the data is kept only within <see cref="EventLimits.MaxEventSize"/>, a header value
    /// over <see cref="EventLimits.MaxAttributeLength"/> is noted by its length, and headers past the limit on extensions are
    /// counted, not kept, so that the letter can be stored.</remarks>
    public static EventEnvelope Unreadable(INatsJSMsg<byte[]> message, string stream, EventLimits limits, Exception error, DateTimeOffset now)
    {
        var tooLarge = error is EventTooLargeException;
        var raw = new StringBuilder();
        string? id = null, type = null, contentType = null;
        var (kept, dropped) = (0, 0);
        foreach (var (name, values) in message.Headers ?? [])
        {
            var value = values.ToString();
            if (tooLarge && (kept >= limits.MaxExtensions + MappedHeaders || name.Length > limits.MaxAttributeLength))
            {
                dropped++;
                continue;
            }

            kept++;
            var over = tooLarge && value.Length > limits.MaxAttributeLength;
            raw.Append(name).Append(": ").Append(over ? string.Create(CultureInfo.InvariantCulture, $"({value.Length:N0} characters, over MaxAttributeLength {limits.MaxAttributeLength:N0}; not kept)") : value).Append("\r\n");
            if (over)
            {
                continue;
            }

            var text = Decode(Unquote(value)) is { Length: > 0 } decoded ? decoded : null;
            (id, type, contentType) = Carries(name, "id") ? (text, type, contentType)
                : Carries(name, "type") ? (id, text, contentType)
                : Carries(name, "datacontenttype") ? (id, type, contentType ?? text)
                : string.Equals(name, Binding.ContentTypeHeader, StringComparison.OrdinalIgnoreCase) ? (id, type, text)
                : (id, type, contentType);
        }

        if (dropped > 0)
        {
            raw.Append(CultureInfo.InvariantCulture, $"({dropped:N0} more headers, over MaxExtensions; not kept)\r\n");
        }

        var data = message.Data ?? [];
        var place = string.Create(CultureInfo.InvariantCulture, $"{stream}-{message.Metadata?.Sequence.Stream}");
        return new EventEnvelope
        {
            EventId = place,
            EventType = type is not null && type.Length <= limits.MaxIdentifierLength ? type : UnknownType,
            Source = message.Subject,
            Timestamp = message.Metadata?.Timestamp ?? now,
            CorrelationId = id is not null && id.Length <= limits.MaxIdentifierLength ? id : place,
            DataContentType = contentType ?? "application/octet-stream",
            Extensions = new Dictionary<string, string>(StringComparer.Ordinal) { [HeadersExtension] = raw.ToString() },
            Data = tooLarge && data.Length > limits.MaxEventSize ? [] : data,
        };
    }

    /// <summary>Removes the quotes of an RFC 7230 quoted-string (<c>"a \"b\""</c> is <c>a "b"</c>); other values come back trimmed.</summary>
    /// <remarks>Herald never quotes (it percent-encodes '"'), but producers following the HTTP header grammar may.</remarks>
    public static string Unquote(string value)
    {
        var trimmed = value.Trim(' ', '\t');
        return trimmed.Length < 2 || trimmed[0] != '"' || trimmed[^1] != '"' ? trimmed : QuotedPair().Replace(trimmed[1..^1], "$1");
    }

    // The HTTP binding's rule: space, '"', '%' and anything outside printable ASCII are escaped, byte by byte in UTF-8.
    public static string Encode(string value) => !value.Any(NeedsEscape) ? value
        : string.Concat(Encoding.UTF8.GetBytes(value).Select(b => NeedsEscape((char)b) ? string.Create(CultureInfo.InvariantCulture, $"%{b:X2}") : ((char)b).ToString()));

    public static string Decode(string value) => value.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(value) : value;

    private static bool Carries(string header, string attribute) => string.Equals(header, Binding.HeaderName(attribute), StringComparison.OrdinalIgnoreCase);

    private static bool NeedsEscape(char c) => c is <= ' ' or > '~' or '"' or '%';

    // A quoted-pair: the backslash quotes the character after it.
    [GeneratedRegex(@"\\(.)", RegexOptions.Singleline)]
    private static partial Regex QuotedPair();
}
