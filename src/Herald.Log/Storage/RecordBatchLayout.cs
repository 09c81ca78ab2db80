namespace Herald.Log.Storage;

/// <summary>Positions, sizes and flag bits of Kafka's RecordBatch v2 header; multi-byte fields are big-endian.</summary>
internal static class RecordBatchLayout
{
    /// <summary>The position of <c>baseOffset</c> (int64).</summary>
    public const int BaseOffsetPosition = 0;

    /// <summary>The position of <c>batchLength</c> (int32): the bytes that follow it, to the end of the batch.</summary>
    public const int BatchLengthPosition = 8;

    /// <summary>The position of <c>partitionLeaderEpoch</c> (int32).</summary>
    public const int PartitionLeaderEpochPosition = 12;

    /// <summary>The position of <c>magic</c> (int8).</summary>
    public const int MagicPosition = 16;

    /// <summary>The position of <c>crc</c> (uint32), the CRC-32C of everything from <c>attributes</c> to the end.</summary>
    public const int CrcPosition = 17;

    /// <summary>The position of <c>attributes</c> (int16), where the CRC-covered region starts.</summary>
    public const int AttributesPosition = 21;

    /// <summary>The position of <c>lastOffsetDelta</c> (int32).</summary>
    public const int LastOffsetDeltaPosition = 23;

    /// <summary>The position of <c>baseTimestamp</c> (int64, Unix epoch milliseconds).</summary>
    public const int BaseTimestampPosition = 27;

    /// <summary>The position of <c>maxTimestamp</c> (int64, Unix epoch milliseconds).</summary>
    public const int MaxTimestampPosition = 35;

    /// <summary>The position of <c>producerId</c> (int64).</summary>
    public const int ProducerIdPosition = 43;

    /// <summary>The position of <c>producerEpoch</c> (int16).</summary>
    public const int ProducerEpochPosition = 51;

    /// <summary>The position of <c>baseSequence</c> (int32).</summary>
    public const int BaseSequencePosition = 53;

    /// <summary>The position of the records count (int32).</summary>
    public const int RecordsCountPosition = 57;

    /// <summary>The position of the first record; also the size of the header.</summary>
    public const int RecordsPosition = 61;

    /// <summary>The bytes before <c>batchLength</c> counts: <c>baseOffset</c> and <c>batchLength</c> itself.</summary>
    public const int LogOverhead = 12;

    /// <summary>The smallest valid <c>batchLength</c>: a header with no records.</summary>
    public const int MinimumBatchLength = RecordsPosition - LogOverhead;

    /// <summary>The only magic value Herald.Log writes and reads.</summary>
    public const byte CurrentMagic = 2;

    /// <summary>The attribute bits naming the compression codec (0 = none).</summary>
    public const short CompressionMask = 0x07;

    /// <summary>The attribute bit of a transactional batch.</summary>
    public const short TransactionalFlag = 0x10;

    /// <summary>The attribute bit of a control batch (transaction markers).</summary>
    public const short ControlFlag = 0x20;

    /// <summary>The value of the producer id, epoch and base sequence, and of the leader epoch, when there is none.</summary>
    public const int None = -1;
}
