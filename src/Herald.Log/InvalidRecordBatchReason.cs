namespace Herald.Log;

/// <summary>Says why <see cref="LogPartition.AppendBatchesAsync"/> refused record batches, in the terms of Kafka's produce errors.</summary>
public enum InvalidRecordBatchReason
{
    /// <summary>A batch is well framed and intact but its records are not valid: counts, offset deltas, timestamps, a control batch, a payload that does not decompress. Kafka: <c>INVALID_RECORD</c>.</summary>
    InvalidRecord,

    /// <summary>The bytes are not whole RecordBatch v2 batches, or a checksum fails. Kafka: <c>CORRUPT_MESSAGE</c>.</summary>
    Corrupt,

    /// <summary>A batch is larger than the topic allows, stored or decompressed. Kafka: <c>MESSAGE_TOO_LARGE</c>.</summary>
    TooLarge,

    /// <summary>A batch names a compression codec Kafka does not define. Kafka: <c>UNSUPPORTED_COMPRESSION_TYPE</c>.</summary>
    UnsupportedCompression,
}
