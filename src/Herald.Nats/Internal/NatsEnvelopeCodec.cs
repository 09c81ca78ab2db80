using System.Globalization;
using System.Text;
using Herald.Events;
using Herald.Hosting;
using NATS.Client.Core;

namespace Herald.Nats.Internal;

/// <summary>Writes and reads envelopes as NATS messages in CloudEvents binary content mode (NATS protocol binding).</summary>
/// <remarks>
/// The NATS binding names attribute headers <c>ce-</c> + attribute (the Kafka binding, which Herald's
/// <see cref="CloudEventHeaders"/> follows, uses <c>ce_</c>), <c>datacontenttype</c> included (Herald writes it in
/// <c>content-type</c> too and reads either), and percent-encodes header values as the HTTP binding does, so that non-ASCII text (a user id like "Zoë") survives the
/// ASCII-only NATS header block. The body is the event data, unchanged. Reading accepts what other producers send:
/// header names in any case and RFC 7230 quoted values.
/// </remarks>
internal static class NatsEnvelopeCodec
{
    public const string Prefix = "ce-";

    /// <summary>The header the NATS binding gives <c>datacontenttype</c>.</summary>
    public const string DataContentTypeHeader = "ce-datacontenttype";

    /// <summary>The JetStream de-duplication header; Herald sets it to the event id.</summary>
    public const string MessageIdHeader = "Nats-Msg-Id";

    public static NatsHeaders ToHeaders(EventEnvelope envelope)
    {
        var headers = new NatsHeaders();
        foreach (var (name, value) in CloudEventHeaders.ToHeaders(envelope))
        {
            var natsName = name.StartsWith(CloudEventHeaders.Prefix, StringComparison.Ordinal)
                ? string.Concat(Prefix, name.AsSpan(CloudEventHeaders.Prefix.Length))
                : name;
            headers[natsName] = Encode(value);
        }

        // The NATS binding carries datacontenttype as ce-datacontenttype; content-type stays for HTTP-minded readers.
        headers[DataContentTypeHeader] = Encode(envelope.DataContentType);
        headers[MessageIdHeader] = envelope.EventId;
        return headers;
    }

    /// <summary>Reads the envelope of a message, held to <paramref name="limits"/>.</summary>
    /// <exception cref="EventFormatException">The message is not a CloudEvent in binary mode.</exception>
    /// <exception cref="EventTooLargeException">The data, a header value or the number of extensions is over <paramref name="limits"/>.</exception>
    /// <remarks>The client has parsed the header block already; a value over the limit is passed on without being unquoted
    /// or decoded (both only shorten it), and the reader refuses it before it keeps anything.</remarks>
    public static EventEnvelope Read(NatsHeaders? headers, ReadOnlyMemory<byte> data, EventLimits? limits = null)
    {
        var pairs = new List<KeyValuePair<string, string>>(Math.Min(headers?.Count ?? 0, 256));
        if (headers is not null)
        {
            foreach (var (name, values) in headers)
            {
                var value = values.ToString();
                pairs.Add(new(HeraldName(name), limits is not null && value.Length > limits.MaxAttributeLength ? value : Decode(Unquote(value))));
            }
        }

        return CloudEventHeaders.Read(pairs, data, limits);
    }

    /// <summary>Maps a NATS header name to the name <see cref="CloudEventHeaders"/> reads: <c>Ce-Id</c> to <c>ce_id</c>.</summary>
    /// <remarks>Header names are case-insensitive (a foreign producer may send <c>Ce-Id</c> or <c>CE-ID</c>) and CloudEvents
    /// attribute names are lower-case by definition, so lower-casing loses nothing. <c>content-type</c> in any case is
    /// matched by <see cref="CloudEventHeaders.Read(IEnumerable{KeyValuePair{string, string}}, ReadOnlyMemory{byte})"/> itself; <c>ce-datacontenttype</c> becomes a known attribute.</remarks>
    public static string HeraldName(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return name;
        }

        var attribute = name.AsSpan(Prefix.Length);
        return attribute.ContainsAnyInRange('A', 'Z')
            ? string.Concat(CloudEventHeaders.Prefix, attribute.ToString().ToLowerInvariant())
            : string.Concat(CloudEventHeaders.Prefix, attribute);
    }

    /// <summary>Removes the quotes of an RFC 7230 quoted-string (<c>"a \"b\""</c> is <c>a "b"</c>); other values come back trimmed.</summary>
    /// <remarks>Herald never quotes (it percent-encodes '"'), but producers following the HTTP header grammar may.</remarks>
    public static string Unquote(string value)
    {
        var trimmed = value.AsSpan().Trim(" \t");
        if (trimmed.Length < 2 || trimmed[0] != '"' || trimmed[^1] != '"')
        {
            return trimmed.Length == value.Length ? value : trimmed.ToString();
        }

        var inner = trimmed[1..^1];
        if (!inner.Contains('\\'))
        {
            return inner.ToString();
        }

        var builder = new StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            // A quoted-pair: the backslash quotes the character after it.
            if (inner[i] == '\\' && i + 1 < inner.Length)
            {
                i++;
            }

            builder.Append(inner[i]);
        }

        return builder.ToString();
    }

    public static string Encode(string value)
    {
        if (!value.Any(NeedsEscape))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 8);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (NeedsEscape((char)b))
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append((char)b);
            }
        }

        return builder.ToString();
    }

    public static string Decode(string value) => value.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(value) : value;

    // The HTTP binding's rule: space, '"', '%' and anything outside printable ASCII are escaped.
    private static bool NeedsEscape(char c) => c is <= ' ' or > '~' or '"' or '%';
}
