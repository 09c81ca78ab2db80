using System.Collections.Concurrent;
using System.Text;

namespace Herald.Events;

/// <summary>Names the headers of a CloudEvents protocol binding in binary content mode: which header carries which attribute.</summary>
/// <remarks>
/// <para>
/// Binary mode is the same on every protocol: one header per attribute, the data alone as the body. Only the names
/// differ, and this class holds them: <see cref="Kafka"/> (<c>ce_id</c>, <c>content-type</c>; also the embedded log),
/// <see cref="Amqp"/> (<c>cloudEvents_id</c>, the content type in the message's own property) and <see cref="Nats"/>
/// (<c>ce-id</c>, <c>content-type</c> and <c>ce-datacontenttype</c>). A transport for another protocol creates its own.
/// </para>
/// <para>
/// <see cref="CloudEventReader"/> and <see cref="CloudEventEncoder"/> map envelopes with a binding, and
/// <see cref="Write{TState}(EventEnvelope, TState, Action{TState, string, string})"/> writes string headers. Values
/// are the attributes' text (integers in decimal, the time as RFC 3339 UTC with seven fractional digits); a protocol
/// that cannot carry some text in a header (NATS, HTTP) encodes it in its transport. Instances are immutable and
/// thread-safe.
/// </para>
/// </remarks>
public sealed class CloudEventsBinding
{
    // Extension header names are cached too, up to a bound, so a stream of distinct names cannot grow it without end.
    private const int MaxCachedExtensionNames = 1024;

    private readonly string[] _knownNames;
    private readonly ConcurrentDictionary<string, string> _extensionNames = new(StringComparer.Ordinal);
    private readonly byte[] _utf8Prefix;
    private readonly byte[]? _utf8AlternatePrefix;
    private readonly byte[]? _utf8ContentTypeHeader;

    /// <summary>Creates a binding whose attribute headers are <paramref name="prefix"/> + the attribute's name.</summary>
    /// <param name="prefix">The prefix of every attribute header, such as <c>ce_</c>; ASCII, not empty.</param>
    /// <param name="contentTypeHeader">The header that carries <c>datacontenttype</c>, such as <c>content-type</c> (matched in
    /// any case), or <see langword="null"/> when the protocol carries it outside the headers, as AMQP does.</param>
    /// <param name="alternatePrefix">A further prefix accepted when reading, such as AMQP's older <c>cloudEvents:</c>; never written.</param>
    /// <param name="ignoreCase">Whether header names match in any case (NATS and HTTP headers); the attribute part of a
    /// name is then read in lower case, as CloudEvents attribute names are.</param>
    /// <param name="writeDataContentType">Whether <c>datacontenttype</c> is also written as an attribute header, after the others.</param>
    /// <exception cref="ArgumentException">A prefix or the content-type header is empty or not ASCII.</exception>
    public CloudEventsBinding(string prefix, string? contentTypeHeader, string? alternatePrefix = null, bool ignoreCase = false, bool writeDataContentType = false)
    {
        _utf8Prefix = Utf8(prefix, nameof(prefix));
        _utf8AlternatePrefix = alternatePrefix is null ? null : Utf8(alternatePrefix, nameof(alternatePrefix));
        _utf8ContentTypeHeader = contentTypeHeader is null ? null : Utf8(contentTypeHeader, nameof(contentTypeHeader));
        Prefix = prefix;
        AlternatePrefix = alternatePrefix;
        ContentTypeHeader = contentTypeHeader;
        IgnoreCase = ignoreCase;
        WritesDataContentType = writeDataContentType;
        _knownNames = new string[EnvelopeAttributes.Count];
        for (var i = 0; i < _knownNames.Length; i++)
        {
            _knownNames[i] = prefix + EnvelopeAttributes.Name((KnownAttribute)i);
        }
    }

    /// <summary>Gets the CloudEvents Kafka protocol binding's names: <c>ce_</c> + attribute, and <c>content-type</c>.</summary>
    /// <remarks>The embedded log stores records with these names, so any Kafka tool reads them.</remarks>
    public static CloudEventsBinding Kafka { get; } = new("ce_", "content-type");

    /// <summary>Gets the CloudEvents AMQP protocol binding's names: <c>cloudEvents_</c> + attribute (<c>cloudEvents:</c> also
    /// read); <c>datacontenttype</c> travels in the message's content-type property.</summary>
    public static CloudEventsBinding Amqp { get; } = new("cloudEvents_", null, alternatePrefix: "cloudEvents:");

    /// <summary>Gets the CloudEvents NATS protocol binding's names: <c>ce-</c> + attribute in any case, <c>datacontenttype</c>
    /// as <c>ce-datacontenttype</c> and as <c>content-type</c>.</summary>
    /// <remarks>NATS headers are ASCII: the NATS transport percent-encodes values as the HTTP binding does.</remarks>
    public static CloudEventsBinding Nats { get; } = new("ce-", "content-type", ignoreCase: true, writeDataContentType: true);

    /// <summary>Gets the prefix of every attribute header.</summary>
    public string Prefix { get; }

    /// <summary>Gets a further prefix accepted when reading, or <see langword="null"/>.</summary>
    public string? AlternatePrefix { get; }

    /// <summary>Gets the header that carries <c>datacontenttype</c>, or <see langword="null"/> when the protocol carries it elsewhere.</summary>
    public string? ContentTypeHeader { get; }

    /// <summary>Gets whether header names match in any case.</summary>
    public bool IgnoreCase { get; }

    /// <summary>Gets whether <c>datacontenttype</c> is also written as an attribute header.</summary>
    public bool WritesDataContentType { get; }

    private StringComparison Comparison => IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Returns the header that carries <paramref name="attribute"/>, such as <c>ce_id</c> for <c>id</c>.</summary>
    /// <remarks>Returns the same string instance for the same attribute, so writers can compare names by reference.</remarks>
    public string HeaderName(string attribute)
    {
        ArgumentException.ThrowIfNullOrEmpty(attribute);
        return EnvelopeAttributes.TryFind(attribute, out var known) ? HeaderName(known) : ExtensionHeaderName(attribute);
    }

    /// <summary>Writes the envelope's attributes as string headers, calling <paramref name="add"/> once per header.</summary>
    /// <remarks>The order is fixed: the content-type header (when the binding has one), <c>specversion</c>, <c>id</c>,
    /// <c>source</c>, <c>type</c>, <c>time</c>, <c>eventversion</c>, <c>correlationid</c>, the optional attributes that are set,
    /// <c>depth</c>, the extensions, and <c>datacontenttype</c> when <see cref="WritesDataContentType"/>. A protocol with its own
    /// content-type property sets it from <see cref="EventEnvelope.DataContentType"/> itself.</remarks>
    public void Write<TState>(EventEnvelope envelope, TState state, Action<TState, string, string> add)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(add);
        if (ContentTypeHeader is { } contentType)
        {
            add(state, contentType, envelope.DataContentType);
        }

        var writer = new TextWriter<TState>(this, state, add);
        EnvelopeAttributes.Visit(envelope, ref writer);
        if (WritesDataContentType)
        {
            add(state, HeaderName(KnownAttribute.DataContentType), envelope.DataContentType);
        }
    }

    internal string HeaderName(KnownAttribute attribute) => _knownNames[(int)attribute];

    /// <summary>Gets the header names of the known attributes, indexed by <see cref="KnownAttribute"/>; never modified.</summary>
    internal string[] KnownHeaderNames => _knownNames;

    internal string ExtensionHeaderName(string extension) =>
        _extensionNames.TryGetValue(extension, out var name) ? name
        : _extensionNames.Count < MaxCachedExtensionNames ? _extensionNames.GetOrAdd(extension, static (e, prefix) => prefix + e, Prefix)
        : Prefix + extension;

    /// <summary>Tells whether <paramref name="header"/> carries an attribute, and which (the rest of the name, in its case).</summary>
    internal bool TryGetAttribute(ReadOnlySpan<char> header, out ReadOnlySpan<char> attribute)
    {
        var prefix = header.StartsWith(Prefix, Comparison) ? Prefix
            : AlternatePrefix is { } alternate && header.StartsWith(alternate, Comparison) ? alternate
            : null;
        attribute = prefix is null ? default : header[prefix.Length..];
        return prefix is not null;
    }

    /// <summary>As <see cref="TryGetAttribute(ReadOnlySpan{char}, out ReadOnlySpan{char})"/>, for a UTF-8 name.</summary>
    internal bool TryGetAttribute(ReadOnlySpan<byte> header, out ReadOnlySpan<byte> attribute)
    {
        var length = StartsWith(header, _utf8Prefix) ? _utf8Prefix.Length
            : _utf8AlternatePrefix is { } alternate && StartsWith(header, alternate) ? alternate.Length
            : -1;
        attribute = length < 0 ? default : header[length..];
        return length >= 0;
    }

    // The content-type header matches in any case on every protocol, as HTTP's does.
    internal bool IsContentType(ReadOnlySpan<char> header) =>
        ContentTypeHeader is { } name && header.Equals(name, StringComparison.OrdinalIgnoreCase);

    internal bool IsContentType(ReadOnlySpan<byte> header) =>
        _utf8ContentTypeHeader is { } name && Ascii.EqualsIgnoreCase(header, name);

    private bool StartsWith(ReadOnlySpan<byte> header, byte[] prefix) =>
        IgnoreCase ? header.Length >= prefix.Length && Ascii.EqualsIgnoreCase(header[..prefix.Length], prefix) : header.StartsWith(prefix.AsSpan());

    private static byte[] Utf8(string value, string parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, parameter);
        return Ascii.IsValid(value)
            ? Encoding.ASCII.GetBytes(value)
            : throw new ArgumentException($"The header name '{value}' is not ASCII; protocol bindings name headers in ASCII.", parameter);
    }

    private readonly struct TextWriter<TState>(CloudEventsBinding binding, TState state, Action<TState, string, string> add) : IAttributeVisitor
    {
        public void VisitString(KnownAttribute attribute, string value) => add(state, binding.HeaderName(attribute), value);

        public void VisitInteger(KnownAttribute attribute, long value) => add(state, binding.HeaderName(attribute), AttributeText.FormatInteger(value));

        public void VisitTime(KnownAttribute attribute, DateTimeOffset value) => add(state, binding.HeaderName(attribute), AttributeText.FormatTime(value));

        public void VisitExtension(string name, string value) => add(state, binding.ExtensionHeaderName(name), value);
    }
}
