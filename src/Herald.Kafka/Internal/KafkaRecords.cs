using Confluent.Kafka;
using Herald.Events;
using Herald.Hosting;

namespace Herald.Kafka.Internal;

/// <summary>Maps envelopes to Kafka records in CloudEvents binary mode, as the CloudEvents Kafka binding says and as the
/// embedded log stores them: key = partition key (UTF-8), one <c>ce_*</c> header per attribute plus <c>content-type</c>,
/// value = the data, timestamp = the event's time (the epoch for an earlier one).</summary>
/// <remarks>Both directions go through core's codec with <see cref="CloudEventsBinding.Kafka"/>, so a record Herald writes
/// here is byte for byte what the embedded log writes, and <c>herald serve</c> hands either to the other.</remarks>
internal static class KafkaRecords
{
    [ThreadStatic]
    private static CloudEventEncoder? t_encoder;

    public static Message<byte[]?, byte[]?> ToMessage(EventEnvelope envelope)
    {
        var encoder = t_encoder ??= new CloudEventEncoder(CloudEventsBinding.Kafka);
        var sink = new HeaderSink(new Headers());
        // The encoder's values live in its buffers until its next call: the sink copies each one.
        var key = encoder.Encode(envelope, ref sink);
        return new Message<byte[]?, byte[]?>
        {
            Key = key?.ToArray(),
            Value = envelope.Data.ToArray(),
            Headers = sink.Headers,
            // Kafka timestamps start at the epoch (Java clients refuse earlier ones, and so does herald serve for
            // librdkafka's batches); an earlier event time is exact in ce_time all the same.
            Timestamp = new Timestamp(Math.Max(0, envelope.Timestamp.ToUnixTimeMilliseconds()), TimestampType.CreateTime),
        };
    }

    /// <summary>Reads the envelope of a consumed record held to <paramref name="limits"/>; a record that is not a CloudEvent
    /// Herald can read, or is over a limit, gives what could be read of it (id <c>&lt;topic&gt;-&lt;partition&gt;@&lt;offset&gt;</c>
    /// when it has none) and the reason in <paramref name="error"/>.</summary>
    public static EventEnvelope FromRecord(ConsumeResult<byte[]?, byte[]?> record, EventLimits limits, out Exception? error)
    {
        var reader = new CloudEventReader(CloudEventsBinding.Kafka, limits);
        reader.ReadKey(record.Message.Key);
        if (record.Message.Headers is { } headers)
        {
            foreach (var header in headers)
            {
                // A null header value reads as empty, as on the embedded log.
                reader.ReadHeader(header.Key, header.GetValueBytes() ?? []);
            }
        }

        var value = record.Message.Value ?? [];
        var data = reader.AdmitsData(value.Length) ? value : [];
        return reader.Build(data, $"{record.Topic}-{record.Partition.Value}@{record.Offset.Value}", out error);
    }

    private readonly struct HeaderSink(Headers headers) : ICloudEventHeaderSink
    {
        public Headers Headers => headers;

        public void Add(string name, ReadOnlyMemory<byte> value) => headers.Add(name, value.ToArray());
    }
}
