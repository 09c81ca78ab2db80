using System.Buffers.Binary;
using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Storage;

/// <summary>Reads a Kafka RecordBatch v2 in place: header fields on demand and records without copying.</summary>
/// <remarks>
/// Obtain one through <see cref="Read"/>, which checks length, magic and CRC first. Records are parsed lazily by
/// <see cref="GetEnumerator"/>, after decompressing them when a Kafka client compressed the batch; a record that is
/// malformed inside a batch whose CRC matches (or a payload that does not decompress) throws <see cref="InvalidDataException"/>. <c>baseOffset</c> and <c>partitionLeaderEpoch</c> lie outside the CRC
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

    /// <summary>Gets the compression codec of the records (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).</summary>
    public int Compression => Attributes & CompressionMask;

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

    /// <summary>Returns an enumerator over the records, parsing each in place; a compressed batch is decompressed into a new buffer first.</summary>
    /// <exception cref="InvalidDataException">The batch is compressed and its payload does not decompress.</exception>
    public RecordEnumerator GetEnumerator() => Compression == BatchCompression.None
        ? new(_bytes, RecordsPosition, BaseOffset, BaseTimestamp, Count)
        : new(Decompress(BatchCompression.ReadLimit), 0, BaseOffset, BaseTimestamp, Count);

    /// <summary>Returns an enumerator over the records, taking the decompressed records of a compressed batch from <paramref name="decompressed"/>.</summary>
    /// <exception cref="InvalidDataException">The batch is compressed and its payload does not decompress.</exception>
    public RecordEnumerator GetRecords(DecompressedBatches? decompressed) => Compression == BatchCompression.None || decompressed is null
        ? GetEnumerator()
        : new(decompressed.Get(this), 0, BaseOffset, BaseTimestamp, Count);

    /// <summary>Decompresses the records of a compressed batch into a pooled array of at most <paramref name="maxBytes"/>.</summary>
    /// <exception cref="InvalidDataException">The payload does not decompress.</exception>
    /// <exception cref="DecompressedTooLargeException">The payload decompresses to more than <paramref name="maxBytes"/>.</exception>
    public ReadOnlySpan<byte> Decompress(int maxBytes, out byte[] rented)
    {
        rented = BatchCompression.Decompress(Compression, _bytes[RecordsPosition..], maxBytes, out var length);
        return rented.AsSpan(0, length);
    }

    private ReadOnlySpan<byte> Decompress(int maxBytes)
    {
        try
        {
            // Not returned to the pool: the enumerator's records point into it for as long as the caller keeps them.
            return Decompress(maxBytes, out _);
        }
        catch (DecompressedTooLargeException exception)
        {
            throw new InvalidDataException($"Malformed record batch at offset {BaseOffset}: {exception.Message}.", exception);
        }
    }

    // Herald.Log reads compressed (Kafka clients' codecs) and transactional batches; control batches are transaction
    // markers, which it does not store.
    private static string? FindUnsupported(short attributes) =>
        (attributes & CompressionMask) > BatchCompression.MaxCodec ? $"the batch names compression codec {attributes & CompressionMask}, which Kafka does not define."
        : (attributes & ControlFlag) != 0 ? "the batch is a control batch; Herald.Log does not read transaction markers."
        : null;
}
