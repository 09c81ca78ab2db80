using System.Globalization;
using System.Text;
using Herald.Events;
using Herald.Hosting;
using NATS.Client.Core;

namespace Herald.Nats.Internal;

/// <summary>Writes and reads envelopes as NATS messages in CloudEvents binary content mode (NATS protocol binding).</summary>
/// <remarks>
/// The mapping is core's codec with <see cref="CloudEventsBinding.Nats"/>: <c>ce-</c> + attribute (the Kafka binding uses
/// <c>ce_</c>), <c>datacontenttype</c> in <c>ce-datacontenttype</c> and in <c>content-type</c>, header names in any case.
/// What is NATS's own is here: header values are percent-encoded as the HTTP binding does, so that non-ASCII text (a user
/// id like "Zoë") survives the ASCII-only NATS header block, and reading accepts RFC 7230 quoted values. The body is the
/// event data, unchanged.
/// </remarks>
internal static class NatsEnvelopeCodec
{
    /// <summary>The JetStream de-duplication header; Herald sets it to the event id.</summary>
    public const string MessageIdHeader = "Nats-Msg-Id";

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
    /// <remarks>The client has parsed the header block already; a value over the limit is passed on without being unquoted
    /// or decoded (both only shorten it), and the reader refuses it before it keeps anything.</remarks>
    public static EventEnvelope Read(NatsHeaders? headers, ReadOnlyMemory<byte> data, EventLimits? limits = null)
    {
        var reader = new CloudEventReader(Binding, limits);
        reader.AdmitsData(data.Length);
        if (headers is not null)
        {
            foreach (var (name, values) in headers)
            {
                var value = values.ToString();
                reader.ReadHeader(name, limits is not null && value.Length > limits.MaxAttributeLength ? value : Decode(Unquote(value)));
            }
        }

        return reader.Build(data);
    }

    /// <summary>Tells whether <paramref name="header"/> is the one that carries <paramref name="attribute"/>, in any case.</summary>
    public static bool Carries(string header, string attribute) =>
        string.Equals(header, Binding.HeaderName(attribute), StringComparison.OrdinalIgnoreCase);

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
