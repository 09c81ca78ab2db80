using System.Buffers.Binary;
using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Storage;

/// <summary>Reads a Kafka RecordBatch v2 in place: header fields on demand and records without copying.</summary>
/// <remarks>
/// Obtain one through <see cref="Read"/>, which checks length, magic and CRC first. Records are parsed lazily by
/// <see cref="GetEnumerator"/>; a record that is malformed inside a batch whose CRC matches means a writer bug and
/// throws <see cref="InvalidDataException"/>. <c>baseOffset</c> and <c>partitionLeaderEpoch</c> lie outside the CRC
/// (Kafka rewrites them without re-checksumming), so callers must check offsets against their index.
/// </remarks>
internal readonly ref struct RecordBatch
{
    private readonly ReadOnlySpan<byte> _bytes;

    private RecordBatch(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    /// <summary>Returns the batch at the start of <paramref name="source"/> without checking it: for bytes <see cref="Read"/> has already checked.</summary>
    internal static RecordBatch ReadChecked(ReadOnlySpan<byte> source) =>
        new(source[..(LogOverhead + BinaryPrimitives.ReadInt32BigEndian(source[BatchLengthPosition..]))]);

    /// <summary>Gets the batch's bytes, exactly <see cref="Size"/> long.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Gets the batch's total size, log overhead included.</summary>
    public int Size => _bytes.Length;

    /// <summary>Gets the offset of the first record.</summary>
    public long BaseOffset => BinaryPrimitives.ReadInt64BigEndian(_bytes[BaseOffsetPosition..]);

    /// <summary>Gets the offset of the last record the batch was written with.</summary>
    public long LastOffset => BaseOffset + LastOffsetDelta;

    /// <summary>Gets the partition leader epoch (-1 when none).</summary>
    public int PartitionLeaderEpoch => BinaryPrimitives.ReadInt32BigEndian(_bytes[PartitionLeaderEpochPosition..]);

    /// <summary>Gets the stored CRC-32C.</summary>
    public uint Crc => BinaryPrimitives.ReadUInt32BigEndian(_bytes[CrcPosition..]);

    /// <summary>Gets the attribute bits (compression, timestamp type, transactional, control).</summary>
    public short Attributes => BinaryPrimitives.ReadInt16BigEndian(_bytes[AttributesPosition..]);

    /// <summary>Gets the last offset minus the base offset.</summary>
    public int LastOffsetDelta => BinaryPrimitives.ReadInt32BigEndian(_bytes[LastOffsetDeltaPosition..]);

    /// <summary>Gets the timestamp records' deltas are relative to, in Unix epoch milliseconds.</summary>
    public long BaseTimestamp => BinaryPrimitives.ReadInt64BigEndian(_bytes[BaseTimestampPosition..]);

    /// <summary>Gets the greatest record timestamp, in Unix epoch milliseconds.</summary>
    public long MaxTimestamp => BinaryPrimitives.ReadInt64BigEndian(_bytes[MaxTimestampPosition..]);

    /// <summary>Gets the producer id (-1 when none).</summary>
    public long ProducerId => BinaryPrimitives.ReadInt64BigEndian(_bytes[ProducerIdPosition..]);

    /// <summary>Gets the producer epoch (-1 when none).</summary>
    public short ProducerEpoch => BinaryPrimitives.ReadInt16BigEndian(_bytes[ProducerEpochPosition..]);

    /// <summary>Gets the base sequence (-1 when none).</summary>
    public int BaseSequence => BinaryPrimitives.ReadInt32BigEndian(_bytes[BaseSequencePosition..]);

    /// <summary>Gets the number of records the batch declares.</summary>
    public int Count => BinaryPrimitives.ReadInt32BigEndian(_bytes[RecordsCountPosition..]);

    /// <summary>Checks the batch at the start of <paramref name="source"/> and, when it is complete, returns it.</summary>
    /// <remarks>
    /// Never throws on bad input. A length that runs past <paramref name="source"/> is
    /// <see cref="RecordBatchStatus.Incomplete"/> (a torn tail, or more to read); an impossible length, another magic
    /// or a CRC mismatch is <see cref="RecordBatchStatus.Corrupt"/>. Checks run in Kafka's order: length, magic, CRC.
    /// </remarks>
    /// <param name="source">Bytes starting at a batch boundary; bytes after the batch are ignored.</param>
    /// <param name="batch">The batch when the status is <see cref="RecordBatchStatus.Complete"/>; otherwise empty.</param>
    public static RecordBatchCheck Read(ReadOnlySpan<byte> source, out RecordBatch batch)
    {
        batch = default;
        if (source.Length < LogOverhead)
        {
            return RecordBatchCheck.Incomplete(0);
        }

        var batchLength = BinaryPrimitives.ReadInt32BigEndian(source[BatchLengthPosition..]);
        if (batchLength is < MinimumBatchLength or > int.MaxValue - LogOverhead)
        {
            return RecordBatchCheck.Corrupt(0, $"batch length {batchLength} is impossible: a RecordBatch v2 takes from {MinimumBatchLength} bytes to 2 GiB after its length field.");
        }

        var size = LogOverhead + batchLength;
        if (source.Length < size)
        {
            return RecordBatchCheck.Incomplete(size);
        }

        var candidate = new RecordBatch(source[..size]);
        var magic = (sbyte)source[MagicPosition];
        if (magic != CurrentMagic)
        {
            return RecordBatchCheck.Corrupt(size, $"magic byte is {magic}, not {CurrentMagic}: Herald.Log reads only RecordBatch v2.");
        }

        var computed = Crc32C.Compute(candidate._bytes[AttributesPosition..]);
        if (computed != candidate.Crc)
        {
            return RecordBatchCheck.Corrupt(size, $"CRC32C mismatch: the batch stores 0x{candidate.Crc:X8} but its bytes hash to 0x{computed:X8}.");
        }

        if (candidate.Count < 0)
        {
            return RecordBatchCheck.Corrupt(size, $"records count {candidate.Count} is negative.");
        }

        var unsupported = FindUnsupported(candidate.Attributes);
        if (unsupported is not null)
        {
            return RecordBatchCheck.Unsupported(size, unsupported);
        }

        batch = candidate;
        return RecordBatchCheck.Complete(size);
    }

    /// <summary>Returns an enumerator over the records, parsing each in place.</summary>
    public RecordEnumerator GetEnumerator() => new(_bytes, BaseOffset, BaseTimestamp, Count);

    private static string? FindUnsupported(short attributes) =>
        (attributes & CompressionMask) != 0 ? $"the batch is compressed (codec {attributes & CompressionMask}); Herald.Log reads only uncompressed batches."
        : (attributes & TransactionalFlag) != 0 ? "the batch is transactional; Herald.Log does not read transactional batches."
        : (attributes & ControlFlag) != 0 ? "the batch is a control batch; Herald.Log does not read transaction markers."
        : null;
}
