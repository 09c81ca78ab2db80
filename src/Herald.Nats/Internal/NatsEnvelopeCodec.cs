using System.Globalization;
using System.Text;
using Herald.Events;
using NATS.Client.Core;

namespace Herald.Nats.Internal;

/// <summary>Writes and reads envelopes as NATS messages in CloudEvents binary content mode (NATS protocol binding).</summary>
/// <remarks>
/// The NATS binding names attribute headers <c>ce-</c> + attribute (the Kafka binding, which Herald's
/// <see cref="CloudEventHeaders"/> follows, uses <c>ce_</c>), keeps <c>datacontenttype</c> in <c>content-type</c> and
/// percent-encodes header values as the HTTP binding does, so that non-ASCII text (a user id like "Zoë") survives the
/// ASCII-only NATS header block. The body is the event data, unchanged.
/// </remarks>
internal static class NatsEnvelopeCodec
{
    public const string Prefix = "ce-";

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

        headers[MessageIdHeader] = envelope.EventId;
        return headers;
    }

    public static EventEnvelope Read(NatsHeaders? headers, ReadOnlyMemory<byte> data)
    {
        var pairs = new List<KeyValuePair<string, string>>(headers?.Count ?? 0);
        if (headers is not null)
        {
            foreach (var (name, values) in headers)
            {
                var herald = name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
                    ? string.Concat(CloudEventHeaders.Prefix, name.AsSpan(Prefix.Length))
                    : name;
                pairs.Add(new(herald, Decode(values.ToString())));
            }
        }

        return CloudEventHeaders.Read(pairs, data);
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
