using Herald.Hosting;

namespace Herald.Events;

/// <summary>Holds an envelope already in memory to <see cref="EventLimits"/>, as readers of bytes do through <see cref="EnvelopeBuilder"/>.</summary>
internal static class EnvelopeLimits
{
    /// <summary>Returns the envelope when it is within <paramref name="limits"/>; otherwise what the limits keep of it (values
    /// over their limits and data over <see cref="EventLimits.MaxEventSize"/> dropped, <paramref name="fallbackId"/> for an id
    /// over its limit) and, in <paramref name="error"/>, the first limit it broke.</summary>
    public static EventEnvelope Check(EventEnvelope envelope, EventLimits limits, string fallbackId, out EventTooLargeException? error)
    {
        var probe = new Probe(limits);
        EnvelopeAttributes.Visit(envelope, ref probe);
        if (probe.Within && envelope.Data.Length <= limits.MaxEventSize
            && envelope.DataContentType.Length <= EnvelopeBuilder.MaxLength(limits, KnownAttribute.DataContentType).Max)
        {
            error = null;
            return envelope;
        }

        var builder = new EnvelopeBuilder { Limits = limits };
        var data = builder.AdmitsData(envelope.Data.Length) ? envelope.Data : ReadOnlyMemory<byte>.Empty;
        if (builder.Admits(KnownAttribute.DataContentType, envelope.DataContentType.Length))
        {
            builder.ContentType = envelope.DataContentType;
        }

        var reader = new Reader(builder);
        EnvelopeAttributes.Visit(envelope, ref reader);
        error = reader.Builder.TooLarge();
        return reader.Builder.BuildUnreadable(data, fallbackId);
    }

    /// <summary>Tells, without copying anything, whether every attribute is within its limit and the extensions within their number.</summary>
    private struct Probe(EventLimits limits) : IAttributeVisitor
    {
        private int _extensions;

        public bool Within { get; private set; } = true;

        public void VisitString(KnownAttribute attribute, string value) =>
            Within &= value.Length <= EnvelopeBuilder.MaxLength(limits, attribute).Max;

        public readonly void VisitInteger(KnownAttribute attribute, long value)
        {
        }

        public readonly void VisitTime(KnownAttribute attribute, DateTimeOffset value)
        {
        }

        public void VisitExtension(string name, string value)
        {
            _extensions++;
            Within &= _extensions <= limits.MaxExtensions && Math.Max(name.Length, value.Length) <= limits.MaxAttributeLength;
        }
    }

    /// <summary>Feeds the attributes to a builder, which keeps those within the limits.</summary>
    private struct Reader(EnvelopeBuilder builder) : IAttributeVisitor
    {
        public EnvelopeBuilder Builder = builder;

        public void VisitString(KnownAttribute attribute, string value)
        {
            if (Builder.Admits(attribute, value.Length))
            {
                Builder.SetString(attribute, value);
            }
        }

        public void VisitInteger(KnownAttribute attribute, long value) => Builder.SetInteger(attribute, value);

        public void VisitTime(KnownAttribute attribute, DateTimeOffset value) => Builder.SetTime(attribute, value);

        public void VisitExtension(string name, string value)
        {
            if (Builder.AdmitsExtension(name, value.Length))
            {
                Builder.SetExtension(name, value);
            }
        }
    }
}
