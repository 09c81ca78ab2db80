using System.Text;
using Herald.Events;
using Herald.Hosting;
using Herald.Log.Storage;

namespace Herald.Transports.Embedded;

/// <summary>
/// Maps an envelope to a log record in CloudEvents binary mode, as Kafka carries CloudEvents: key = partition key,
/// one <c>ce_*</c> header per attribute plus <c>content-type</c>, value = the data.
/// </summary>
/// <remarks>
/// Both directions work on UTF-8 directly: integers and times are formatted into and parsed out of bytes, header names
/// are matched as bytes, and reading allocates only the envelope, its data and the strings it holds.
/// </remarks>
internal static class EnvelopeRecords
{
    private static readonly Utf8StringCache Strings = new();

    /// <summary>Builds the record in a per-thread scratch buffer; the record is valid until the thread's next call.</summary>
    /// <remarks>Callers must hand the record to an append that copies it before returning (every LogPartition append does).</remarks>
    public static LogRecord ToRecord(EventEnvelope envelope)
    {
        var scratch = RecordScratch.Begin();
        scratch.Add(CloudEventHeaders.ContentType, scratch.String(KnownAttribute.DataContentType, envelope.DataContentType));
        var writer = new HeaderWriter(scratch);
        EnvelopeAttributes.Visit(envelope, ref writer);
        return new LogRecord(envelope.Timestamp.ToUnixTimeMilliseconds(), writer.Key, envelope.Data, scratch.Headers);
    }

    /// <summary>Reads an envelope back from a stored record, copying its data out of the reader's buffer.</summary>
    /// <exception cref="EventFormatException">The record is not a CloudEvent Herald can read.</exception>
    public static EventEnvelope FromRecord(RecordView record)
    {
        var builder = Collect(record, null);
        return builder.Build(record.Value.ToArray());
    }

    /// <summary>Reads an envelope back from a stored record held to <paramref name="limits"/>; a record that is not a
    /// CloudEvent Herald can read, or is over a limit, gives what could be read of it, named <paramref name="fallbackId"/>
    /// when it has no id, and <paramref name="error"/> (<see cref="EventFormatException"/> or <see cref="EventTooLargeException"/>).</summary>
    /// <remarks>Data over <see cref="EventLimits.MaxEventSize"/> and values over their limits are neither copied nor decoded.</remarks>
    public static EventEnvelope FromRecord(RecordView record, string fallbackId, EventLimits? limits, out Exception? error)
    {
        var builder = Collect(record, limits);
        var data = builder.AdmitsData(record.Value.Length) ? record.Value.ToArray() : [];
        try
        {
            error = null;
            return builder.Build(data);
        }
        catch (Exception e) when (e is EventFormatException or EventTooLargeException)
        {
            error = e;
            return builder.BuildUnreadable(data, fallbackId);
        }
    }

    private static EnvelopeBuilder Collect(RecordView record, EventLimits? limits)
    {
        var builder = new EnvelopeBuilder { Limits = limits };
        foreach (var header in record.Headers)
        {
            // A null header value reads as empty, as it always has.
            var name = header.Key;
            if (name.StartsWith("ce_"u8))
            {
                Read(ref builder, name["ce_"u8.Length..], header.Value);
            }
            else if (Ascii.EqualsIgnoreCase(name, "content-type"u8) && builder.Admits(KnownAttribute.DataContentType, header.Value))
            {
                builder.ContentType = Strings.Get(header.Value);
            }
        }

        return builder;
    }

    private static void Read(ref EnvelopeBuilder builder, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (!EnvelopeAttributes.TryFind(name, out var attribute))
        {
            if (builder.AdmitsExtension(name, value))
            {
                builder.SetExtension(Strings.Get(name), Encoding.UTF8.GetString(value));
            }

            return;
        }

        if (!builder.Admits(attribute, value))
        {
            return;
        }

        switch (EnvelopeAttributes.Kind(attribute))
        {
            case AttributeKind.Integer when AttributeText.TryParseInteger(value, out var number):
                builder.SetInteger(attribute, number);
                break;
            case AttributeKind.Time when AttributeText.TryParseTime(value, out var time):
                builder.SetTime(attribute, time);
                break;
            case AttributeKind.Integer or AttributeKind.Time:
                builder.SetMalformed(attribute, Encoding.UTF8.GetString(value));
                break;
            default:
                builder.SetString(attribute, ReadString(in builder, attribute, value));
                break;
        }
    }

    private static string ReadString(in EnvelopeBuilder builder, KnownAttribute attribute, ReadOnlySpan<byte> value)
    {
        if (EnvelopeAttributes.Repeats(attribute))
        {
            return Strings.Get(value);
        }

        // The correlation id of an event that starts a request is its own id: share the string rather than decode it twice.
        return attribute == KnownAttribute.CorrelationId && builder.EventId is { } id && Ascii.Equals(value, id)
            ? id
            : Encoding.UTF8.GetString(value);
    }

    private struct HeaderWriter(RecordScratch scratch) : IAttributeVisitor
    {
        /// <summary>Gets the partition key's bytes, shared with its header, or null when the envelope has none.</summary>
        public ReadOnlyMemory<byte>? Key { get; private set; }

        public void VisitString(KnownAttribute attribute, string value)
        {
            var bytes = scratch.String(attribute, value);
            if (attribute == KnownAttribute.PartitionKey)
            {
                Key = bytes;
            }

            scratch.Add(CloudEventHeaders.HeaderName(attribute), bytes);
        }

        public readonly void VisitInteger(KnownAttribute attribute, long value) =>
            scratch.Add(CloudEventHeaders.HeaderName(attribute), scratch.Integer(attribute, value));

        public readonly void VisitTime(KnownAttribute attribute, DateTimeOffset value) =>
            scratch.Add(CloudEventHeaders.HeaderName(attribute), scratch.Time(attribute, value));

        public readonly void VisitExtension(string name, string value) =>
            scratch.Add(CloudEventHeaders.HeaderName(name), scratch.Extension(value));
    }
}
