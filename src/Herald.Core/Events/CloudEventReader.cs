using System.Text;
using Herald.Hosting;

namespace Herald.Events;

/// <summary>Reads an envelope from a message in CloudEvents binary mode: its headers one by one, then its body.</summary>
/// <remarks>
/// <para>
/// Feed it every header of a message (<see cref="ReadHeader(string, string)"/> and its UTF-8 overloads), then call
/// <see cref="Build(ReadOnlyMemory{byte})"/>. Headers the binding does not name are ignored; a later value of an
/// attribute replaces an earlier one, except <c>datacontenttype</c>, whose first value counts and which the content-type
/// header wins over. Every Herald transport reads through here, so all of them accept and refuse the same messages with
/// the same errors.
/// </para>
/// <para>
/// With <see cref="EventLimits"/>, a value over its limit is refused before it is decoded or copied, and so is data over
/// <see cref="EventLimits.MaxEventSize"/> when the caller asks <see cref="AdmitsData(long)"/> before copying the body.
/// <see cref="Build(ReadOnlyMemory{byte})"/> then throws <see cref="EventTooLargeException"/> for the first refusal;
/// <see cref="Build(ReadOnlyMemory{byte}, string, out Exception?)"/> keeps what could be read instead, for a dead letter.
/// </para>
/// </remarks>
public ref struct CloudEventReader
{
    // Types, sources and content types repeat from message to message: their strings are shared, not decoded again.
    private static readonly Utf8StringCache Strings = new();

    private readonly CloudEventsBinding _binding;
    private EnvelopeBuilder _builder;

    /// <summary>Starts reading a message whose headers are named by <paramref name="binding"/>.</summary>
    /// <param name="binding">The protocol binding's header names.</param>
    /// <param name="limits">The limits the message is held to, or <see langword="null"/> for none.</param>
    public CloudEventReader(CloudEventsBinding binding, EventLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(binding);
        _binding = binding;
        _builder = new EnvelopeBuilder { Limits = limits };
    }

    /// <summary>Reads one header; one the binding does not name is ignored.</summary>
    /// <param name="name">The header's name.</param>
    /// <param name="value">The header's value, decoded from the protocol's own encoding (percent-encoding, quoting).</param>
    public void ReadHeader(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (_binding.TryGetAttribute(name, out var attribute))
        {
            var lowered = Lowered(attribute);
            if (lowered is not null)
            {
                attribute = lowered;
            }

            if (EnvelopeAttributes.TryFind(attribute, out var known))
            {
                if (_builder.Admits(known, value.Length))
                {
                    _builder.Set(known, value);
                }
            }
            else if (_builder.AdmitsExtension(attribute, value.Length))
            {
                _builder.SetExtension(lowered ?? attribute.ToString(), value);
            }
        }
        else if (_binding.IsContentType(name) && _builder.Admits(KnownAttribute.DataContentType, value.Length))
        {
            _builder.ContentType = value;
        }
    }

    /// <summary>Reads a message's own key (a Kafka record's) as its partition key: a producer that is not Herald often sets
    /// the key and no <c>partitionkey</c> header. Read it before the headers: a <c>partitionkey</c> header replaces it.</summary>
    /// <param name="key">The key's bytes. One that is empty, not UTF-8, or longer than
    /// <see cref="EventLimits.MaxIdentifierLength"/> is not a partition key Herald can use: it is ignored, and the event read
    /// without one.</param>
    public void ReadKey(ReadOnlySpan<byte> key)
    {
        var max = _builder.Limits?.MaxIdentifierLength ?? int.MaxValue;
        if (!key.IsEmpty && key.Length <= (long)max * 4 && System.Text.Unicode.Utf8.IsValid(key) && Encoding.UTF8.GetCharCount(key) <= max)
        {
            _builder.Set(KnownAttribute.PartitionKey, Encoding.UTF8.GetString(key));
        }
    }

    /// <summary>Reads one header whose value is UTF-8; a value over its limit is measured, never decoded.</summary>
    public void ReadHeader(string name, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_binding.TryGetAttribute(name, out var attribute))
        {
            var lowered = Lowered(attribute);
            if (lowered is not null)
            {
                attribute = lowered;
            }

            if (EnvelopeAttributes.TryFind(attribute, out var known))
            {
                Read(known, value);
            }
            else if (_builder.AdmitsExtension(attribute, CharCount(value)))
            {
                _builder.SetExtension(lowered ?? attribute.ToString(), Encoding.UTF8.GetString(value));
            }
        }
        else if (_binding.IsContentType(name) && _builder.Admits(KnownAttribute.DataContentType, value))
        {
            _builder.ContentType = Strings.Get(value);
        }
    }

    /// <summary>Reads one header whose name and value are UTF-8 (a Kafka or log record's); a value over its limit is measured, never decoded.</summary>
    public void ReadHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (_binding.TryGetAttribute(name, out var attribute))
        {
            if (_binding.IgnoreCase && attribute.ContainsAnyInRange((byte)'A', (byte)'Z'))
            {
                // Rare (a foreign producer's mixed case): the string path lowers the name once.
                ReadHeader(Encoding.UTF8.GetString(name), value);
            }
            else if (EnvelopeAttributes.TryFind(attribute, out var known))
            {
                Read(known, value);
            }
            else if (_builder.AdmitsExtension(attribute, value))
            {
                _builder.SetExtension(Strings.Get(attribute), Encoding.UTF8.GetString(value));
            }
        }
        else if (_binding.IsContentType(name) && _builder.Admits(KnownAttribute.DataContentType, value))
        {
            _builder.ContentType = Strings.Get(value);
        }
    }

    /// <summary>Reads <c>datacontenttype</c> from where the protocol carries it outside the headers (AMQP's content-type property).</summary>
    /// <remarks>It wins over a <c>datacontenttype</c> attribute header, as the binding's content-type header does.</remarks>
    public void ReadContentType(string contentType)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        if (_builder.Admits(KnownAttribute.DataContentType, contentType.Length))
        {
            _builder.ContentType = contentType;
        }
    }

    /// <summary>Tells whether data of <paramref name="length"/> bytes is within <see cref="EventLimits.MaxEventSize"/>; ask before copying a body.</summary>
    /// <remarks>Data refused here makes <see cref="Build(ReadOnlyMemory{byte})"/> throw <see cref="EventTooLargeException"/>.</remarks>
    public bool AdmitsData(long length) => _builder.AdmitsData(length);

    /// <summary>Builds the envelope around <paramref name="data"/>, which it keeps, not copies.</summary>
    /// <exception cref="EventTooLargeException">A value, the data or the number of extensions was over the limits; the first refusal is reported.</exception>
    /// <exception cref="EventFormatException">A required attribute is missing or malformed: the message is not a CloudEvent Herald can read.</exception>
    public readonly EventEnvelope Build(ReadOnlyMemory<byte> data) => _builder.Build(data);

    /// <summary>Builds the envelope around <paramref name="data"/>; for a message <see cref="Build(ReadOnlyMemory{byte})"/> refuses,
    /// builds what could be read of it instead and returns why in <paramref name="error"/>.</summary>
    /// <param name="data">The body, which the envelope keeps, not copies; pass empty data when <see cref="AdmitsData(long)"/> refused it.</param>
    /// <param name="fallbackId">The id of an envelope whose message had none, such as the message's place in its stream.</param>
    /// <param name="error"><see langword="null"/>, or the <see cref="EventFormatException"/> or <see cref="EventTooLargeException"/> that
    /// <see cref="Build(ReadOnlyMemory{byte})"/> would have thrown; the envelope then has the attributes that read and defaults for the rest.</param>
    public readonly EventEnvelope Build(ReadOnlyMemory<byte> data, string fallbackId, out Exception? error)
    {
        ArgumentNullException.ThrowIfNull(fallbackId);
        try
        {
            error = null;
            return _builder.Build(data);
        }
        catch (Exception e) when (e is EventFormatException or EventTooLargeException)
        {
            error = e;
            return _builder.BuildUnreadable(data, fallbackId);
        }
    }

    private readonly string? Lowered(ReadOnlySpan<char> attribute) =>
        _binding.IgnoreCase && attribute.ContainsAnyInRange('A', 'Z') ? attribute.ToString().ToLowerInvariant() : null;

    // The length in characters the limits count, worked out only when the bytes are over the limit.
    private readonly int CharCount(ReadOnlySpan<byte> utf8) =>
        _builder.Limits is not { } limits || utf8.Length <= limits.MaxAttributeLength ? utf8.Length : Encoding.UTF8.GetCharCount(utf8);

    private void Read(KnownAttribute attribute, ReadOnlySpan<byte> value)
    {
        if (!_builder.Admits(attribute, value))
        {
            return;
        }

        switch (EnvelopeAttributes.Kind(attribute))
        {
            case AttributeKind.Integer when AttributeText.TryParseInteger(value, out var number):
                _builder.SetInteger(attribute, number);
                break;
            case AttributeKind.Time when AttributeText.TryParseTime(value, out var time):
                _builder.SetTime(attribute, time);
                break;
            case AttributeKind.Integer or AttributeKind.Time:
                _builder.SetMalformed(attribute, Encoding.UTF8.GetString(value));
                break;
            default:
                _builder.SetString(attribute, ReadString(attribute, value));
                break;
        }
    }

    private readonly string ReadString(KnownAttribute attribute, ReadOnlySpan<byte> value)
    {
        if (EnvelopeAttributes.Repeats(attribute))
        {
            return Strings.Get(value);
        }

        // The correlation id of an event that starts a request is its own id: share the string rather than decode it twice.
        return attribute == KnownAttribute.CorrelationId && _builder.EventId is { } id && Ascii.Equals(value, id)
            ? id
            : Encoding.UTF8.GetString(value);
    }
}
