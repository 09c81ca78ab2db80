using Herald.Events;
using Herald.Hosting;
using Herald.Log.Storage;

namespace Herald.Transports.Embedded;

/// <summary>
/// Maps an envelope to a log record in CloudEvents binary mode, as Kafka carries CloudEvents: key = partition key,
/// one <c>ce_*</c> header per attribute plus <c>content-type</c>, value = the data.
/// </summary>
/// <remarks>
/// Both directions go through core's public codec (<see cref="CloudEventEncoder"/>, <see cref="CloudEventReader"/>) with
/// <see cref="CloudEventsBinding.Kafka"/>, on UTF-8 directly: reading allocates only the envelope, its data and the strings it holds.
/// </remarks>
internal static class EnvelopeRecords
{
    /// <summary>Builds the record in a per-thread scratch buffer; the record is valid until the thread's next call.</summary>
    /// <remarks>Callers must hand the record to an append that copies it before returning (every LogPartition append does).</remarks>
    public static LogRecord ToRecord(EventEnvelope envelope)
    {
        var scratch = RecordScratch.Begin();
        var sink = new RecordScratch.Sink(scratch);
        var key = scratch.Encoder.Encode(envelope, ref sink);
        return new LogRecord(envelope.Timestamp.ToUnixTimeMilliseconds(), key, envelope.Data, scratch.Headers);
    }

    /// <summary>Reads an envelope back from a stored record, copying its data out of the reader's buffer.</summary>
    /// <exception cref="EventFormatException">The record is not a CloudEvent Herald can read.</exception>
    public static EventEnvelope FromRecord(RecordView record)
    {
        var reader = Collect(record, null);
        return reader.Build(record.Value.ToArray());
    }

    /// <summary>Reads an envelope back from a stored record held to <paramref name="limits"/>; a record that is not a
    /// CloudEvent Herald can read, or is over a limit, gives what could be read of it, named <paramref name="fallbackId"/>
    /// when it has no id, and <paramref name="error"/> (<see cref="EventFormatException"/> or <see cref="EventTooLargeException"/>).</summary>
    /// <remarks>Data over <see cref="EventLimits.MaxEventSize"/> and values over their limits are neither copied nor decoded.</remarks>
    public static EventEnvelope FromRecord(RecordView record, string fallbackId, EventLimits? limits, out Exception? error)
    {
        var reader = Collect(record, limits);
        var data = reader.AdmitsData(record.Value.Length) ? record.Value.ToArray() : [];
        return reader.Build(data, fallbackId, out error);
    }

    private static CloudEventReader Collect(RecordView record, EventLimits? limits)
    {
        var reader = new CloudEventReader(CloudEventsBinding.Kafka, limits);
        reader.ReadKey(record.Key);
        foreach (var header in record.Headers)
        {
            // A null header value reads as empty, as it always has.
            reader.ReadHeader(header.Key, header.Value);
        }

        return reader;
    }
}
