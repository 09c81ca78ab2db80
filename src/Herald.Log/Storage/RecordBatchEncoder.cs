using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Storage;

/// <summary>Writes records as one uncompressed Kafka RecordBatch v2, byte for byte as a Kafka producer would.</summary>
/// <remarks>
/// The batch has no producer id, epoch or sequence (-1), no leader epoch (-1), CreateTime timestamps, and the first
/// record's timestamp as its base timestamp. Encoding allocates nothing for up to <see cref="StackRecords"/> records
/// and rents one pooled array above that.
/// </remarks>
internal static class RecordBatchEncoder
{
    /// <summary>The batch size up to which record lengths are measured into stack memory.</summary>
    public const int StackRecords = 256;

    /// <summary>Returns the bytes <see cref="Encode(Span{byte}, long, ReadOnlySpan{LogRecord})"/> writes for <paramref name="records"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="records"/> is empty or encodes to more than 2 GiB.</exception>
    public static int GetEncodedLength(ReadOnlySpan<LogRecord> records) =>
        RecordBatchMeasure.Measure(records, Span<int>.Empty);

    /// <summary>Writes <paramref name="records"/> as a batch starting at <paramref name="baseOffset"/> and returns its size.</summary>
    /// <exception cref="ArgumentException"><paramref name="records"/> is empty, or the batch does not fit in <paramref name="destination"/>.</exception>
    public static int Encode(Span<byte> destination, long baseOffset, ReadOnlySpan<LogRecord> records)
    {
        int[]? rented = null;
        var bodyLengths = records.Length <= StackRecords ? stackalloc int[records.Length] : (rented = ArrayPool<int>.Shared.Rent(records.Length));
        try
        {
            var size = RecordBatchMeasure.Measure(records, bodyLengths);
            if (destination.Length < size)
            {
                throw new ArgumentException($"The batch takes {size} bytes; the destination has {destination.Length}.", nameof(destination));
            }

            Write(destination[..size], baseOffset, records, bodyLengths);
            return size;
        }
        finally
        {
            Return(rented);
        }
    }

    /// <summary>Writes <paramref name="records"/> as a batch starting at <paramref name="baseOffset"/> into <paramref name="writer"/> and returns its size.</summary>
    /// <exception cref="ArgumentException"><paramref name="records"/> is empty or encodes to more than 2 GiB.</exception>
    public static int Encode(IBufferWriter<byte> writer, long baseOffset, ReadOnlySpan<LogRecord> records)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int[]? rented = null;
        var bodyLengths = records.Length <= StackRecords ? stackalloc int[records.Length] : (rented = ArrayPool<int>.Shared.Rent(records.Length));
        try
        {
            var size = RecordBatchMeasure.Measure(records, bodyLengths);
            Write(writer.GetSpan(size)[..size], baseOffset, records, bodyLengths);
            writer.Advance(size);
            return size;
        }
        finally
        {
            Return(rented);
        }
    }

    private static void Return(int[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    private static void Write(Span<byte> batch, long baseOffset, ReadOnlySpan<LogRecord> records, ReadOnlySpan<int> bodyLengths)
    {
        var baseTimestamp = records[0].Timestamp;
        var maxTimestamp = baseTimestamp;
        var position = RecordsPosition;
        for (var i = 0; i < records.Length; i++)
        {
            ref readonly var record = ref records[i];
            maxTimestamp = Math.Max(maxTimestamp, record.Timestamp);
            position = WriteRecord(batch, position, in record, i, baseTimestamp, bodyLengths[i]);
        }

        Debug.Assert(position == batch.Length, "The measured size must match the bytes written.");
        WriteHeader(batch, baseOffset, records.Length, records.Length - 1, baseTimestamp, maxTimestamp);
    }

    /// <summary>Encodes a batch whose records keep the offsets they had, with gaps where compaction removed records.</summary>
    /// <param name="baseOffset">The original batch's base offset.</param>
    /// <param name="lastOffsetDelta">The original batch's last offset delta, kept even when its last record is gone.</param>
    /// <param name="baseTimestamp">The original batch's base timestamp, which the records' timestamp deltas are relative to.</param>
    /// <param name="maxTimestamp">The original batch's largest timestamp.</param>
    /// <param name="records">The surviving records and their offset deltas, ascending; may be empty.</param>
    /// <param name="producer">The original batch's producer id, epoch and base sequence and its transactional flag, kept so that a producer's state survives compaction as in Kafka.</param>
    public static byte[] EncodeSparse(long baseOffset, int lastOffsetDelta, long baseTimestamp, long maxTimestamp, IReadOnlyList<(LogRecord Record, int OffsetDelta)> records, BatchProducer producer = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var bodies = new int[records.Count];
        long size = RecordsPosition;
        for (var i = 0; i < records.Count; i++)
        {
            var (record, delta) = records[i];
            bodies[i] = RecordBatchMeasure.MeasureBody(in record, delta, baseTimestamp);
            size += Varint.GetLength(bodies[i]) + bodies[i];
        }

        var batch = new byte[size];
        var position = RecordsPosition;
        for (var i = 0; i < records.Count; i++)
        {
            var (record, delta) = records[i];
            position = WriteRecord(batch, position, in record, delta, baseTimestamp, bodies[i]);
        }

        WriteHeader(batch, baseOffset, records.Count, lastOffsetDelta, baseTimestamp, maxTimestamp, producer.BaseSequence, producer);
        return batch;
    }

    /// <summary>Fills in the header of a batch whose records are already in place after <see cref="RecordBatchLayout.RecordsPosition"/>, CRC last.</summary>
    /// <param name="batch">The whole batch, exactly.</param>
    /// <param name="baseOffset">The offset of the batch's first record.</param>
    /// <param name="count">The number of records in the batch.</param>
    /// <param name="lastOffsetDelta">The last record's offset delta; <paramref name="count"/> - 1 unless records were removed by compaction.</param>
    /// <param name="baseTimestamp">The first record's timestamp, which record timestamp deltas are relative to.</param>
    /// <param name="maxTimestamp">The largest record timestamp.</param>
    /// <param name="baseSequence">The base sequence; -1 (none) unless the log's writer stamps its commit group (see <see cref="CommitGroup"/>).</param>
    /// <param name="producer">The producer id and epoch and the transactional flag; none unless compaction keeps a producer's.</param>
    public static void WriteHeader(Span<byte> batch, long baseOffset, int count, int lastOffsetDelta, long baseTimestamp, long maxTimestamp, int baseSequence = None, BatchProducer producer = default)
    {
        BinaryPrimitives.WriteInt64BigEndian(batch[BaseOffsetPosition..], baseOffset);
        BinaryPrimitives.WriteInt32BigEndian(batch[BatchLengthPosition..], batch.Length - LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochPosition..], None);
        batch[MagicPosition] = CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(batch[AttributesPosition..], producer.IsTransactional ? TransactionalFlag : (short)0);
        BinaryPrimitives.WriteInt32BigEndian(batch[LastOffsetDeltaPosition..], lastOffsetDelta);
        BinaryPrimitives.WriteInt64BigEndian(batch[BaseTimestampPosition..], baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[MaxTimestampPosition..], maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[ProducerIdPosition..], producer.Id);
        BinaryPrimitives.WriteInt16BigEndian(batch[ProducerEpochPosition..], producer.Epoch);
        BinaryPrimitives.WriteInt32BigEndian(batch[BaseSequencePosition..], baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordsCountPosition..], count);
        BinaryPrimitives.WriteUInt32BigEndian(batch[CrcPosition..], Crc32C.Compute(batch[AttributesPosition..]));
    }

    /// <summary>Writes one record (its length prefix, then its body) at <paramref name="position"/> and returns the position after it.</summary>
    /// <param name="batch">The batch being built.</param>
    /// <param name="position">Where the record starts.</param>
    /// <param name="record">The record.</param>
    /// <param name="offsetDelta">The record's offset relative to the batch's base offset.</param>
    /// <param name="baseTimestamp">The batch's base timestamp.</param>
    /// <param name="bodyLength">The body length <see cref="RecordBatchMeasure.MeasureBody"/> returned for the same arguments.</param>
    public static int WriteRecord(Span<byte> batch, int position, in LogRecord record, int offsetDelta, long baseTimestamp, int bodyLength)
    {
        position += Varint.WriteInt32(batch[position..], bodyLength);
        var bodyStart = position;
        batch[position++] = 0;
        position += Varint.WriteInt64(batch[position..], record.Timestamp - baseTimestamp);
        position += Varint.WriteInt32(batch[position..], offsetDelta);
        position = WriteBytes(batch, position, record.Key);
        position = WriteBytes(batch, position, record.Value);
        var headers = record.Headers.Span;
        position += Varint.WriteInt32(batch[position..], headers.Length);
        foreach (ref readonly var header in headers)
        {
            position = WriteString(batch, position, header.Key);
            position = WriteBytes(batch, position, header.Value);
        }

        Debug.Assert(position - bodyStart == bodyLength, "The measured record length must match the bytes written.");
        return position;
    }

    private static int WriteBytes(Span<byte> batch, int position, ReadOnlyMemory<byte>? bytes)
    {
        if (bytes is not { } value)
        {
            return position + Varint.WriteInt32(batch[position..], -1);
        }

        position += Varint.WriteInt32(batch[position..], value.Length);
        value.Span.CopyTo(batch[position..]);
        return position + value.Length;
    }

    private static int WriteString(Span<byte> batch, int position, string text)
    {
        // Header keys are short ASCII almost always (ce_type, traceparent): narrow them straight after a one-byte
        // length, which skips the UTF-8 transcoder's setup; anything else takes the general path.
        if (text.Length < 64 && Ascii.FromUtf16(text, batch.Slice(position + 1, text.Length), out _) == OperationStatus.Done)
        {
            batch[position] = (byte)(text.Length << 1);
            return position + 1 + text.Length;
        }

        var length = Encoding.UTF8.GetByteCount(text);
        position += Varint.WriteInt32(batch[position..], length);
        return position + Encoding.UTF8.GetBytes(text, batch[position..]);
    }
}
