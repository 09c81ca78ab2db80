using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Herald.Hosting;

namespace Herald.Events;

/// <summary>Collects attributes read off a message, typed, and builds the envelope, checking what CloudEvents requires.</summary>
/// <remarks>
/// Every reader (binary headers as strings, log records as UTF-8, structured JSON) goes through here, so all of them
/// accept and refuse the same messages with the same errors. A later value of an attribute replaces an earlier one,
/// except <c>datacontenttype</c>, whose first value counts and which the <c>content-type</c> header overrides. A
/// malformed integer or time is kept as text and reported by <see cref="Build"/>, in the order it checks attributes.
/// </remarks>
internal struct EnvelopeBuilder
{
    // An extension name longer than this is not repeated in an error message.
    private const int MaxReportedNameLength = 64;
    private const string LongName = "(a name too long to repeat)";

    private Slots<string?> _text;
    private Slots<long> _integers;
    private DateTimeOffset _time;
    private int _parsed;
    private Dictionary<string, string>? _extensions;
    private int _extensionCount;
    private Violation? _violation;

    /// <summary>Gets or sets the value of the binding's content-type header, which wins over <c>datacontenttype</c>.</summary>
    public string? ContentType { get; set; }

    /// <summary>Gets the event id read so far, so a reader can reuse its string for an equal correlation id.</summary>
    public readonly string? EventId => _text[(int)KnownAttribute.Id];

    /// <summary>Gets the limits the message is held to, or <see langword="null"/> for none.</summary>
    /// <remarks>A reader asks <see cref="AdmitsData"/>, <see cref="Admits(KnownAttribute, int)"/> and
    /// <see cref="AdmitsExtension(ReadOnlySpan{char}, int)"/> before it decodes a value, and skips what is refused: <see cref="Build"/> then throws
    /// <see cref="EventTooLargeException"/> for the first refusal, and <see cref="BuildUnreadable"/> builds the rest.</remarks>
    public EventLimits? Limits { readonly get; init; }

    /// <summary>Tells whether the data of <paramref name="length"/> bytes is within <see cref="EventLimits.MaxEventSize"/>.</summary>
    public bool AdmitsData(long length) =>
        Limits is not { } limits || length <= limits.MaxEventSize || Refuse(nameof(EventLimits.MaxEventSize), limits.MaxEventSize, length, null);

    /// <summary>Tells whether a value of <paramref name="length"/> characters is within the attribute's limit.</summary>
    public bool Admits(KnownAttribute attribute, int length)
    {
        if (Limits is not { } limits)
        {
            return true;
        }

        var (limit, max) = MaxLength(limits, attribute);
        return length <= max || Refuse(limit, max, length, EnvelopeAttributes.Name(attribute));
    }

    /// <summary>Tells whether a UTF-8 value is within the attribute's limit, counting its characters only when its bytes are over.</summary>
    public bool Admits(KnownAttribute attribute, ReadOnlySpan<byte> utf8) =>
        Limits is not { } limits || utf8.Length <= MaxLength(limits, attribute).Max || Admits(attribute, Encoding.UTF8.GetCharCount(utf8));

    /// <summary>Counts one more extension and tells whether it, with a value of <paramref name="length"/> characters, is within the limits.</summary>
    public bool AdmitsExtension(ReadOnlySpan<char> name, int length)
    {
        if (Limits is not { } limits)
        {
            return true;
        }

        _extensionCount++;
        // A name counts as part of its value: a foreign header's name is as unbounded as its value.
        length = Math.Max(length, name.Length);
        return _extensionCount > limits.MaxExtensions
            ? Refuse(nameof(EventLimits.MaxExtensions), limits.MaxExtensions, _extensionCount, null)
            : length <= limits.MaxAttributeLength
              || Refuse(nameof(EventLimits.MaxAttributeLength), limits.MaxAttributeLength, length, name.Length <= MaxReportedNameLength ? name.ToString() : LongName);
    }

    /// <summary>As <see cref="AdmitsExtension(ReadOnlySpan{char}, int)"/>, for a UTF-8 name and value.</summary>
    public bool AdmitsExtension(ReadOnlySpan<byte> name, ReadOnlySpan<byte> utf8)
    {
        if (Limits is not { } limits)
        {
            return true;
        }

        // Nothing is decoded for an extension refused: the name only for the message of the first refusal.
        _extensionCount++;
        if (_extensionCount > limits.MaxExtensions)
        {
            return Refuse(nameof(EventLimits.MaxExtensions), limits.MaxExtensions, _extensionCount, null);
        }

        var length = Math.Max(name.Length, utf8.Length <= limits.MaxAttributeLength ? utf8.Length : Encoding.UTF8.GetCharCount(utf8));
        return length <= limits.MaxAttributeLength
            || Refuse(nameof(EventLimits.MaxAttributeLength), limits.MaxAttributeLength, length,
                _violation is null && name.Length <= MaxReportedNameLength ? Encoding.UTF8.GetString(name) : LongName);
    }

    /// <summary>Gets the limit a value of <paramref name="attribute"/> is held to: identifiers have their own.</summary>
    public static (string Limit, int Max) MaxLength(EventLimits limits, KnownAttribute attribute) => attribute switch
    {
        KnownAttribute.Id or KnownAttribute.Type or KnownAttribute.Source or KnownAttribute.CorrelationId or KnownAttribute.CausationId
            or KnownAttribute.UserId or KnownAttribute.PartitionKey => (nameof(EventLimits.MaxIdentifierLength), limits.MaxIdentifierLength),
        _ => (nameof(EventLimits.MaxAttributeLength), limits.MaxAttributeLength),
    };

    /// <summary>Returns the first limit the message broke, naming the event by the type read, or <see langword="null"/>.</summary>
    public readonly EventTooLargeException? TooLarge(string? consequence = null) =>
        _violation is { } v
            ? new EventTooLargeException(_text[(int)KnownAttribute.Type] ?? string.Empty, v.Limit, v.Max,
                v.Limit == nameof(EventLimits.MaxExtensions) ? _extensionCount : v.Actual, v.Attribute,
                consequence ?? (v.Limit == nameof(EventLimits.MaxEventSize) ? "the data was not kept" : "the value was not kept"))
            : null;

    private bool Refuse(string limit, long max, long actual, string? attribute)
    {
        _violation ??= new Violation(limit, max, actual, attribute);
        return false;
    }

    /// <summary>Adds an attribute by name, parsing its text when the attribute is typed.</summary>
    /// <remarks>A value over <see cref="Limits"/> is skipped and remembered for <see cref="Build"/>.</remarks>
    public void Add(string name, string value)
    {
        if (EnvelopeAttributes.TryFind(name, out var attribute))
        {
            if (Admits(attribute, value.Length))
            {
                Set(attribute, value);
            }
        }
        else if (AdmitsExtension(name, value.Length))
        {
            SetExtension(name, value);
        }
    }

    /// <summary>Sets a known attribute from its text, parsing it when the attribute is typed.</summary>
    public void Set(KnownAttribute attribute, string text)
    {
        switch (EnvelopeAttributes.Kind(attribute))
        {
            case AttributeKind.Integer when AttributeText.TryParseInteger(text, out var number):
                SetInteger(attribute, number);
                break;
            case AttributeKind.Time when AttributeText.TryParseTime(text, out var time):
                SetTime(attribute, time);
                break;
            case AttributeKind.Integer or AttributeKind.Time:
                SetMalformed(attribute, text);
                break;
            default:
                SetString(attribute, text);
                break;
        }
    }

    public void SetString(KnownAttribute attribute, string value)
    {
        Debug.Assert(EnvelopeAttributes.Kind(attribute) == AttributeKind.String, $"'{attribute}' is not a string attribute.");
        ref var slot = ref _text[(int)attribute];
        slot = attribute == KnownAttribute.DataContentType ? slot ?? value : value;
    }

    public void SetInteger(KnownAttribute attribute, long value)
    {
        Debug.Assert(EnvelopeAttributes.Kind(attribute) == AttributeKind.Integer, $"'{attribute}' is not an integer attribute.");
        _integers[(int)attribute] = value;
        MarkParsed(attribute);
    }

    public void SetTime(KnownAttribute attribute, DateTimeOffset value)
    {
        Debug.Assert(attribute == KnownAttribute.Time, "'time' is the one time attribute.");
        _time = value;
        MarkParsed(attribute);
    }

    /// <summary>Keeps the text of an integer or time that did not parse, for <see cref="Build"/> to report.</summary>
    public void SetMalformed(KnownAttribute attribute, string text)
    {
        Debug.Assert(EnvelopeAttributes.Kind(attribute) != AttributeKind.String, $"'{attribute}' is a string attribute.");
        _text[(int)attribute] = text;
        _parsed &= ~(1 << (int)attribute);
    }

    public void SetExtension(string name, string value) => (_extensions ??= new(StringComparer.Ordinal))[name] = value;

    /// <summary>Builds the envelope around <paramref name="data"/>, which it keeps, not copies.</summary>
    /// <exception cref="EventTooLargeException">A value, the data or the number of extensions was refused as over <see cref="Limits"/>.</exception>
    /// <exception cref="EventFormatException">A required attribute is missing or malformed.</exception>
    public readonly EventEnvelope Build(ReadOnlyMemory<byte> data)
    {
        if (TooLarge() is { } tooLarge)
        {
            throw tooLarge;
        }

        var specVersion = _text[(int)KnownAttribute.SpecVersion];
        if (specVersion is not CloudEventAttributes.SpecVersionValue)
        {
            throw new EventFormatException(specVersion is null
                ? "The message has no CloudEvents 'specversion' attribute."
                : $"The message has CloudEvents 'specversion' '{specVersion}'; Herald reads version 1.0.");
        }

        var id = Require(KnownAttribute.Id);
        return new EventEnvelope
        {
            EventId = id,
            EventType = Require(KnownAttribute.Type),
            Source = Require(KnownAttribute.Source),
            Timestamp = Time(),
            EventVersion = Int32(KnownAttribute.EventVersion, 1, 1),
            CorrelationId = _text[(int)KnownAttribute.CorrelationId] ?? id,
            CausationId = _text[(int)KnownAttribute.CausationId],
            UserId = _text[(int)KnownAttribute.UserId],
            TraceParent = _text[(int)KnownAttribute.TraceParent],
            PartitionKey = _text[(int)KnownAttribute.PartitionKey],
            Sequence = Integer(KnownAttribute.Sequence),
            Depth = Int32(KnownAttribute.Depth, 0, 0),
            DataContentType = ContentType ?? _text[(int)KnownAttribute.DataContentType] ?? "application/json",
            Extensions = _extensions ?? EventEnvelope.EmptyExtensions,
            Data = data,
        };
    }

    /// <summary>Builds what can be kept of a message <see cref="Build"/> refuses, so it can be dead-lettered: the
    /// attributes that read, <paramref name="fallbackId"/> for a missing id, defaults for the rest.</summary>
    public readonly EventEnvelope BuildUnreadable(ReadOnlyMemory<byte> data, string fallbackId)
    {
        var id = _text[(int)KnownAttribute.Id] is { Length: > 0 } read ? read : fallbackId;
        return new EventEnvelope
        {
            EventId = id,
            EventType = _text[(int)KnownAttribute.Type] ?? string.Empty,
            Source = _text[(int)KnownAttribute.Source] ?? string.Empty,
            Timestamp = IsParsed(KnownAttribute.Time) ? _time : default,
            EventVersion = InRange(KnownAttribute.EventVersion, 1) ? (int)_integers[(int)KnownAttribute.EventVersion] : 1,
            CorrelationId = _text[(int)KnownAttribute.CorrelationId] ?? id,
            CausationId = _text[(int)KnownAttribute.CausationId],
            UserId = _text[(int)KnownAttribute.UserId],
            TraceParent = _text[(int)KnownAttribute.TraceParent],
            PartitionKey = _text[(int)KnownAttribute.PartitionKey],
            Sequence = IsParsed(KnownAttribute.Sequence) ? _integers[(int)KnownAttribute.Sequence] : null,
            Depth = InRange(KnownAttribute.Depth, 0) ? (int)_integers[(int)KnownAttribute.Depth] : 0,
            DataContentType = ContentType ?? _text[(int)KnownAttribute.DataContentType] ?? "application/json",
            Extensions = _extensions ?? EventEnvelope.EmptyExtensions,
            Data = data,
        };
    }

    private void MarkParsed(KnownAttribute attribute)
    {
        _text[(int)attribute] = null;
        _parsed |= 1 << (int)attribute;
    }

    private readonly bool IsParsed(KnownAttribute attribute) => (_parsed & (1 << (int)attribute)) != 0;

    private readonly string Require(KnownAttribute attribute) =>
        _text[(int)attribute] is { Length: > 0 } value
            ? value
            : throw new EventFormatException($"The message has no CloudEvents '{EnvelopeAttributes.Name(attribute)}' attribute.");

    private readonly DateTimeOffset Time() =>
        _text[(int)KnownAttribute.Time] is { } text
            ? throw new EventFormatException($"The CloudEvents 'time' attribute '{text}' is not an RFC 3339 timestamp.")
            : IsParsed(KnownAttribute.Time) ? _time : default;

    private readonly long? Integer(KnownAttribute attribute) =>
        _text[(int)attribute] is { } text
            ? throw new EventFormatException($"The CloudEvents '{EnvelopeAttributes.Name(attribute)}' attribute '{text}' is not an integer.")
            : IsParsed(attribute) ? _integers[(int)attribute] : null;

    // Parsed as long, stored as int: a value outside [min, int.MaxValue] is refused rather than truncated, so a
    // negative depth cannot slip under the causation cap and version 2^32 + 1 does not read as 1.
    private readonly int Int32(KnownAttribute attribute, int min, int absent) =>
        Integer(attribute) switch
        {
            null => absent,
            var value when InRange(attribute, min) => (int)value.Value,
            var value => throw new EventFormatException(
                $"The CloudEvents '{EnvelopeAttributes.Name(attribute)}' attribute {value} is out of range: Herald reads {min} to {int.MaxValue}."),
        };

    private readonly bool InRange(KnownAttribute attribute, int min) =>
        IsParsed(attribute) && _integers[(int)attribute] >= min && _integers[(int)attribute] <= int.MaxValue;

    private sealed record Violation(string Limit, long Max, long Actual, string? Attribute);

    [InlineArray(EnvelopeAttributes.Count)]
    private struct Slots<T>
    {
        private T _element;
    }
}
