using System.Buffers.Binary;
using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Storage;

/// <summary>
/// The header fields of one Kafka RecordBatch v2 that a broker needs around an append: its size and offsets, and the
/// producer id, epoch and sequence its idempotence and transaction checks use.
/// </summary>
/// <remarks>
/// <see cref="TryRead"/> reads the fixed-position fields only: it checks neither magic nor CRC (appending checks both,
/// see <see cref="LogPartition.AppendBatchesAsync"/>). To walk batches placed back to back, advance by <see cref="Size"/>.
/// </remarks>
public readonly struct RecordBatchHeader
{
    private RecordBatchHeader(ReadOnlySpan<byte> header)
    {
        Size = LogOverhead + BinaryPrimitives.ReadInt32BigEndian(header[BatchLengthPosition..]);
        BaseOffset = BinaryPrimitives.ReadInt64BigEndian(header[BaseOffsetPosition..]);
        LastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(header[LastOffsetDeltaPosition..]);
        RecordCount = BinaryPrimitives.ReadInt32BigEndian(header[RecordsCountPosition..]);
        ProducerId = BinaryPrimitives.ReadInt64BigEndian(header[ProducerIdPosition..]);
        ProducerEpoch = BinaryPrimitives.ReadInt16BigEndian(header[ProducerEpochPosition..]);
        BaseSequence = BinaryPrimitives.ReadInt32BigEndian(header[BaseSequencePosition..]);
        IsTransactional = (BinaryPrimitives.ReadInt16BigEndian(header[AttributesPosition..]) & TransactionalFlag) != 0;
    }

    /// <summary>Gets the batch's whole size in bytes, its 12 bytes of base offset and length included; it may run past the bytes read.</summary>
    public int Size { get; }

    /// <summary>Gets the offset of the first record: whatever the producer wrote before an append, the assigned one after.</summary>
    public long BaseOffset { get; }

    /// <summary>Gets the last record's offset minus <see cref="BaseOffset"/>.</summary>
    public int LastOffsetDelta { get; }

    /// <summary>Gets the number of records the batch declares.</summary>
    public int RecordCount { get; }

    /// <summary>Gets the producer id, or -1 when the producer is neither idempotent nor transactional.</summary>
    public long ProducerId { get; }

    /// <summary>Gets the producer epoch, or -1 without a producer id.</summary>
    public short ProducerEpoch { get; }

    /// <summary>Gets the sequence of the first record, or -1 without a producer id; the last record's is this plus <see cref="LastOffsetDelta"/>.</summary>
    public int BaseSequence { get; }

    /// <summary>Gets a value indicating whether the batch belongs to a transaction (attribute bit 4).</summary>
    public bool IsTransactional { get; }

    /// <summary>Reads the header of the batch at the start of <paramref name="source"/>.</summary>
    /// <param name="source">Bytes starting at a batch boundary.</param>
    /// <param name="header">The header when this returns <see langword="true"/>.</param>
    /// <returns><see langword="false"/> when <paramref name="source"/> is shorter than a header (61 bytes) or its <c>batchLength</c> is below a header's.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out RecordBatchHeader header)
    {
        if (source.Length < RecordsPosition || BinaryPrimitives.ReadInt32BigEndian(source[BatchLengthPosition..]) < MinimumBatchLength)
        {
            header = default;
            return false;
        }

        header = new RecordBatchHeader(source);
        return true;
    }
}
