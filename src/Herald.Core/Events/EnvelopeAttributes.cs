using System.Buffers;
using System.Text;

namespace Herald.Events;

/// <summary>Maps an envelope to and from its CloudEvents attributes, typed or as strings, for both content modes.</summary>
/// <remarks>
/// Holds the one list of the attributes the envelope maps itself, with their names and kinds, indexed by
/// <see cref="KnownAttribute"/>. <see cref="Visit{TVisitor}(EventEnvelope, ref TVisitor)"/> reads them off an
/// envelope; <see cref="EnvelopeBuilder"/> builds an envelope back and validates it. Any other attribute is an extension.
/// </remarks>
internal static class EnvelopeAttributes
{
    /// <summary>The number of known attributes.</summary>
    public const int Count = (int)KnownAttribute.DataContentType + 1;

    private const int SlotMask = 63;

    private static readonly Entry[] Table = CreateTable();

    // Open addressing over the names' keys: finding a header's attribute costs a hash and a probe or two of
    // integer comparisons, instead of a string allocation and a switch.
    private static readonly Slot[] Slots = CreateSlots();

    public static string Name(KnownAttribute attribute) => Table[(int)attribute].Name;

    public static AttributeKind Kind(KnownAttribute attribute) => Table[(int)attribute].Kind;

    /// <summary>Tells whether the attribute's values repeat across events (types, sources), so are worth interning.</summary>
    public static bool Repeats(KnownAttribute attribute) => Table[(int)attribute].Repeats;

    public static bool TryFind(ReadOnlySpan<char> name, out KnownAttribute attribute)
    {
        // Known names are short and ASCII; anything else cannot match.
        Span<byte> utf8 = stackalloc byte[NameKey.MaxLength];
        if (name.Length > NameKey.MaxLength || Ascii.FromUtf16(name, utf8, out var written) != OperationStatus.Done)
        {
            attribute = default;
            return false;
        }

        return TryFind(utf8[..written], out attribute);
    }

    public static bool TryFind(ReadOnlySpan<byte> name, out KnownAttribute attribute)
    {
        attribute = default;
        if (name.IsEmpty || name.Length > NameKey.MaxLength)
        {
            return false;
        }

        var key = new NameKey(name);
        for (var slot = key.Hash & SlotMask; Slots[slot].Key.Length != 0; slot = (slot + 1) & SlotMask)
        {
            if (Slots[slot].Key == key)
            {
                attribute = Slots[slot].Attribute;
                return true;
            }
        }

        return false;
    }

    /// <summary>Visits every attribute the envelope sets, typed, except <c>datacontenttype</c>.</summary>
    public static void Visit<TVisitor>(EventEnvelope envelope, ref TVisitor visitor)
        where TVisitor : IAttributeVisitor
    {
        visitor.VisitString(KnownAttribute.SpecVersion, CloudEventAttributes.SpecVersionValue);
        visitor.VisitString(KnownAttribute.Id, envelope.EventId);
        visitor.VisitString(KnownAttribute.Source, envelope.Source);
        visitor.VisitString(KnownAttribute.Type, envelope.EventType);
        visitor.VisitTime(KnownAttribute.Time, envelope.Timestamp);
        visitor.VisitInteger(KnownAttribute.EventVersion, envelope.EventVersion);
        visitor.VisitString(KnownAttribute.CorrelationId, envelope.CorrelationId);
        VisitOptional(ref visitor, KnownAttribute.CausationId, envelope.CausationId);
        VisitOptional(ref visitor, KnownAttribute.UserId, envelope.UserId);
        VisitOptional(ref visitor, KnownAttribute.TraceParent, envelope.TraceParent);
        VisitOptional(ref visitor, KnownAttribute.PartitionKey, envelope.PartitionKey);
        if (envelope.Sequence is { } sequence)
        {
            visitor.VisitInteger(KnownAttribute.Sequence, sequence);
        }

        visitor.VisitInteger(KnownAttribute.Depth, envelope.Depth);
        if (envelope.Extensions.Count == 0)
        {
            return;
        }

        // Enumerating the dictionary as itself, not as an interface, spares a boxed enumerator per event.
        if (envelope.Extensions is Dictionary<string, string> extensions)
        {
            foreach (var (name, value) in extensions)
            {
                visitor.VisitExtension(name, value);
            }
        }
        else
        {
            foreach (var (name, value) in envelope.Extensions)
            {
                visitor.VisitExtension(name, value);
            }
        }
    }

    /// <summary>Visits every attribute the envelope sets as a name and a string, except <c>datacontenttype</c>.</summary>
    public static void Visit<TState>(EventEnvelope envelope, TState state, Action<TState, string, string> visit)
    {
        var visitor = new TextVisitor<TState>(state, visit);
        Visit(envelope, ref visitor);
    }

    /// <summary>Builds an envelope from attributes read off a message; unknown extensions are kept.</summary>
    /// <exception cref="EventFormatException">A required attribute is missing or malformed.</exception>
    public static EventEnvelope Build(IEnumerable<KeyValuePair<string, string>> attributes, string? contentType, ReadOnlyMemory<byte> data)
    {
        var builder = new EnvelopeBuilder { ContentType = contentType };
        foreach (var (name, value) in attributes)
        {
            builder.Add(name, value);
        }

        return builder.Build(data);
    }

    private static void VisitOptional<TVisitor>(ref TVisitor visitor, KnownAttribute attribute, string? value)
        where TVisitor : IAttributeVisitor
    {
        if (value is not null)
        {
            visitor.VisitString(attribute, value);
        }
    }

    private static Entry[] CreateTable()
    {
        var table = new Entry[Count];
        Set(KnownAttribute.SpecVersion, CloudEventAttributes.SpecVersion, AttributeKind.String, repeats: true);
        Set(KnownAttribute.Id, CloudEventAttributes.Id, AttributeKind.String);
        Set(KnownAttribute.Source, CloudEventAttributes.Source, AttributeKind.String, repeats: true);
        Set(KnownAttribute.Type, CloudEventAttributes.Type, AttributeKind.String, repeats: true);
        Set(KnownAttribute.Time, CloudEventAttributes.Time, AttributeKind.Time);
        Set(KnownAttribute.EventVersion, CloudEventAttributes.EventVersion, AttributeKind.Integer);
        Set(KnownAttribute.CorrelationId, CloudEventAttributes.CorrelationId, AttributeKind.String);
        Set(KnownAttribute.CausationId, CloudEventAttributes.CausationId, AttributeKind.String);
        Set(KnownAttribute.UserId, CloudEventAttributes.UserId, AttributeKind.String);
        Set(KnownAttribute.TraceParent, CloudEventAttributes.TraceParent, AttributeKind.String);
        Set(KnownAttribute.PartitionKey, CloudEventAttributes.PartitionKey, AttributeKind.String);
        Set(KnownAttribute.Sequence, CloudEventAttributes.Sequence, AttributeKind.Integer);
        Set(KnownAttribute.Depth, CloudEventAttributes.Depth, AttributeKind.Integer);
        Set(KnownAttribute.DataContentType, CloudEventAttributes.DataContentType, AttributeKind.String, repeats: true);
        return table;

        void Set(KnownAttribute attribute, string name, AttributeKind kind, bool repeats = false) =>
            table[(int)attribute] = new Entry(name, Encoding.UTF8.GetBytes(name), kind, repeats);
    }

    private static Slot[] CreateSlots()
    {
        var slots = new Slot[SlotMask + 1];
        for (var i = 0; i < Table.Length; i++)
        {
            var key = new NameKey(Table[i].Utf8Name);
            var slot = key.Hash & SlotMask;
            while (slots[slot].Key.Length != 0)
            {
                slot = (slot + 1) & SlotMask;
            }

            slots[slot] = new Slot(key, (KnownAttribute)i);
        }

        return slots;
    }

    private readonly record struct Slot(NameKey Key, KnownAttribute Attribute);

    private sealed record Entry(string Name, byte[] Utf8Name, AttributeKind Kind, bool Repeats);

    private readonly struct TextVisitor<TState>(TState state, Action<TState, string, string> visit) : IAttributeVisitor
    {
        public void VisitString(KnownAttribute attribute, string value) => visit(state, Name(attribute), value);

        public void VisitInteger(KnownAttribute attribute, long value) => visit(state, Name(attribute), AttributeText.FormatInteger(value));

        public void VisitTime(KnownAttribute attribute, DateTimeOffset value) => visit(state, Name(attribute), AttributeText.FormatTime(value));

        public void VisitExtension(string name, string value) => visit(state, name, value);
    }
}
