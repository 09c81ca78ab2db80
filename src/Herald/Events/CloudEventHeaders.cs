using System.Collections.Concurrent;
using Herald.Hosting;

namespace Herald.Events;

/// <summary>Maps envelopes to CloudEvents binary content mode: <c>ce_*</c> headers plus the data as the body.</summary>
/// <remarks>
/// Header names follow the CloudEvents Kafka protocol binding: <c>ce_</c> and the attribute name,
/// except <c>datacontenttype</c>, which travels as <c>content-type</c>. Every transport starts from this
/// mapping, so that routing, filtering and tracing never parse the payload: the embedded log writes it as it is,
/// RabbitMQ and NATS rename the headers to their own bindings' names (<c>cloudEvents_</c>, <c>ce-</c>);
/// docs/interop.md lists them.
/// </remarks>
public static class CloudEventHeaders
{
    /// <summary>The prefix of every attribute header.</summary>
    public const string Prefix = "ce_";

    /// <summary>The header that carries <c>datacontenttype</c>.</summary>
    public const string ContentType = "content-type";

    // Extension header names are cached too, up to a bound, so a stream of distinct names cannot grow it without end.
    private const int MaxCachedExtensionNames = 1024;

    private static readonly string[] KnownHeaderNames = CreateKnownHeaderNames();
    private static readonly ConcurrentDictionary<string, string> ExtensionHeaderNames = new(StringComparer.Ordinal);

    /// <summary>Adds the envelope's attributes to <paramref name="headers"/> as binary-mode headers.</summary>
    public static void Write(EventEnvelope envelope, ICollection<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(headers);
        headers.Add(new(ContentType, envelope.DataContentType));
        var writer = new HeaderWriter(headers);
        EnvelopeAttributes.Visit(envelope, ref writer);
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
    public static EventEnvelope Read(IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> data) => Read(headers, data, null);

    /// <summary>Reads an envelope from binary-mode headers and the message body, holding it to <paramref name="limits"/>.</summary>
    /// <exception cref="EventTooLargeException">The data, a value or the number of extensions is over <paramref name="limits"/>;
    /// the data is checked first, and a value over its limit is not copied.</exception>
    /// <exception cref="EventFormatException">A required attribute is missing or malformed.</exception>
    /// <remarks>Headers without the <c>ce_</c> prefix, other than <c>content-type</c>, are ignored.</remarks>
    public static EventEnvelope Read(IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> data, EventLimits? limits)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var builder = new EnvelopeBuilder { Limits = limits };
        builder.AdmitsData(data.Length);
        foreach (var (name, value) in headers)
        {
            if (name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                if (EnvelopeAttributes.TryFind(name.AsSpan(Prefix.Length), out var attribute))
                {
                    if (builder.Admits(attribute, value.Length))
                    {
                        builder.Set(attribute, value);
                    }
                }
                else if (builder.AdmitsExtension(name.AsSpan(Prefix.Length), value.Length))
                {
                    builder.SetExtension(name[Prefix.Length..], value);
                }
            }
            else if (string.Equals(name, ContentType, StringComparison.OrdinalIgnoreCase) && builder.Admits(KnownAttribute.DataContentType, value.Length))
            {
                builder.ContentType = value;
            }
        }

        return builder.Build(data);
    }

    /// <summary>Returns the header name of a known attribute.</summary>
    internal static string HeaderName(KnownAttribute attribute) => KnownHeaderNames[(int)attribute];

    /// <summary>Returns the header name of an extension attribute.</summary>
    internal static string HeaderName(string extension) =>
        ExtensionHeaderNames.TryGetValue(extension, out var name) ? name
        : ExtensionHeaderNames.Count < MaxCachedExtensionNames ? ExtensionHeaderNames.GetOrAdd(extension, static e => Prefix + e)
        : Prefix + extension;

    private static string[] CreateKnownHeaderNames()
    {
        var names = new string[EnvelopeAttributes.Count];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = Prefix + EnvelopeAttributes.Name((KnownAttribute)i);
        }

        return names;
    }

    private readonly struct HeaderWriter(ICollection<KeyValuePair<string, string>> headers) : IAttributeVisitor
    {
        public void VisitString(KnownAttribute attribute, string value) => headers.Add(new(HeaderName(attribute), value));

        public void VisitInteger(KnownAttribute attribute, long value) => headers.Add(new(HeaderName(attribute), AttributeText.FormatInteger(value)));

        public void VisitTime(KnownAttribute attribute, DateTimeOffset value) => headers.Add(new(HeaderName(attribute), AttributeText.FormatTime(value)));

        public void VisitExtension(string name, string value) => headers.Add(new(HeaderName(name), value));
    }
}
