namespace Herald.Events;

/// <summary>Maps envelopes to CloudEvents binary content mode: <c>ce_*</c> headers plus the data as the body.</summary>
/// <remarks>
/// Header names follow the CloudEvents Kafka protocol binding: <c>ce_</c> and the attribute name,
/// except <c>datacontenttype</c>, which travels as <c>content-type</c>. Every transport uses this
/// mapping so that routing, filtering and tracing never parse the payload.
/// </remarks>
public static class CloudEventHeaders
{
    /// <summary>The prefix of every attribute header.</summary>
    public const string Prefix = "ce_";

    /// <summary>The header that carries <c>datacontenttype</c>.</summary>
    public const string ContentType = "content-type";

    /// <summary>Adds the envelope's attributes to <paramref name="headers"/> as binary-mode headers.</summary>
    public static void Write(EventEnvelope envelope, ICollection<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(headers);
        headers.Add(new(ContentType, envelope.DataContentType));
        EnvelopeAttributes.Visit(envelope, headers, static (h, name, value) => h.Add(new(Prefix + name, value)));
    }

    /// <summary>Returns the envelope's attributes as binary-mode headers.</summary>
    public static List<KeyValuePair<string, string>> ToHeaders(EventEnvelope envelope)
    {
        var headers = new List<KeyValuePair<string, string>>(16);
        Write(envelope, headers);
        return headers;
    }

    /// <summary>Reads an envelope from binary-mode headers and the message body.</summary>
    /// <exception cref="EventFormatException">A required attribute is missing or malformed.</exception>
    /// <remarks>Headers without the <c>ce_</c> prefix, other than <c>content-type</c>, are ignored.</remarks>
    public static EventEnvelope Read(IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(headers);
        string? contentType = null;
        var attributes = new List<KeyValuePair<string, string>>(16);
        foreach (var (name, value) in headers)
        {
            if (name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                attributes.Add(new(name[Prefix.Length..], value));
            }
            else if (string.Equals(name, ContentType, StringComparison.OrdinalIgnoreCase))
            {
                contentType = value;
            }
        }

        return EnvelopeAttributes.Build(attributes, contentType, data);
    }
}
