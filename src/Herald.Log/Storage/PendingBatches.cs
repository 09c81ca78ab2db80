using System.Buffers.Binary;
using System.Diagnostics;
using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Storage;

/// <summary>
/// The records appended to a partition since its writer last took them, already encoded as RecordBatch v2 batches in one
/// buffer, and batches Kafka clients produced, copied as they came; <see cref="Seal"/> fills in the header and CRC of each
/// batch the log encoded when the writer takes them.
/// </summary>
/// <remarks>
/// Encoding at append time copies the caller's bytes at once, so an append never holds on to the caller's memory, and
/// spreads the encoding work over the appending threads; the writer only hashes and writes. Not thread-safe: the
/// partition's lock guards <see cref="Add"/>, and the writer owns the instance between <see cref="Seal"/> and <see cref="Clear"/>.
/// </remarks>
internal sealed class PendingBatches(int maxBatchBytes)
{
    private readonly List<Batch> _batches = [];
    private byte[] _buffer = new byte[64 * 1024];
    private int _length;

    /// <summary>Gets the encoded bytes so far.</summary>
    public int Length => _length;

    /// <summary>Gets the number of records so far.</summary>
    public int RecordCount { get; private set; }

    /// <summary>Gets a value indicating whether no record was added since the last <see cref="Clear"/>.</summary>
    public bool IsEmpty => RecordCount == 0;

    /// <summary>Gets the number of batches.</summary>
    public int BatchCount => _batches.Count;

    /// <summary>Gets the timestamp of the first record added since the last <see cref="Clear"/>.</summary>
    public long FirstTimestamp => _batches.Count == 0 ? -1 : _batches[0].BaseTimestamp;

    /// <summary>Measures a record as the first of a batch: its size in a batch of its own, header included.</summary>
    public static int MeasureAlone(in LogRecord record)
    {
        var body = RecordBatchMeasure.MeasureBody(in record, 0, record.Timestamp);
        return RecordsPosition + Varint.GetLength(body) + body;
    }

    /// <summary>Encodes <paramref name="record"/> as the record at <paramref name="offset"/>, the next offset of the partition.</summary>
    public void Add(in LogRecord record, long offset)
    {
        var count = _batches.Count;
        if (count > 0 && !_batches[count - 1].Produced)
        {
            ref var current = ref System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_batches)[count - 1];
            var delta = offset - current.BaseOffset;
            var body = RecordBatchMeasure.MeasureBody(in record, (int)delta, current.BaseTimestamp);
            var size = Varint.GetLength(body) + body;
            if (_length - current.Start + size <= maxBatchBytes && delta < int.MaxValue)
            {
                EnsureCapacity(size);
                _length = RecordBatchEncoder.WriteRecord(_buffer, _length, in record, (int)delta, current.BaseTimestamp, body);
                current.Count++;
                current.MaxTimestamp = Math.Max(current.MaxTimestamp, record.Timestamp);
                RecordCount++;
                return;
            }
        }

        var firstBody = RecordBatchMeasure.MeasureBody(in record, 0, record.Timestamp);
        EnsureCapacity(RecordsPosition + Varint.GetLength(firstBody) + firstBody);
        var start = _length;
        _length = RecordBatchEncoder.WriteRecord(_buffer, start + RecordsPosition, in record, 0, record.Timestamp, firstBody);
        _batches.Add(new Batch { Start = start, BaseOffset = offset, Count = 1, BaseTimestamp = record.Timestamp, MaxTimestamp = record.Timestamp });
        RecordCount++;
    }

    /// <summary>Copies a batch a Kafka client produced, already validated, as the batch at <paramref name="baseOffset"/>.</summary>
    /// <remarks>
    /// <c>baseOffset</c> and <c>partitionLeaderEpoch</c> (0) are rewritten: both lie outside the CRC, so the batch is
    /// otherwise stored as it came, its producer fields included, and <see cref="Seal"/> leaves it alone. A batch without
    /// a producer id whose epoch or sequence is not -1 (kafkajs writes 0 and 0; they mean nothing without a producer) gets
    /// -1 in both and a new CRC: a sequence there would read as the writer's commit-group stamp (<see cref="CommitGroup"/>).
    /// </remarks>
    public void AddProduced(ReadOnlySpan<byte> batch, long baseOffset, int count)
    {
        EnsureCapacity(batch.Length);
        var start = _length;
        var copy = _buffer.AsSpan(start, batch.Length);
        batch.CopyTo(copy);
        BinaryPrimitives.WriteInt64BigEndian(copy[BaseOffsetPosition..], baseOffset);
        BinaryPrimitives.WriteInt32BigEndian(copy[PartitionLeaderEpochPosition..], 0);
        if (BinaryPrimitives.ReadInt64BigEndian(copy[ProducerIdPosition..]) == None &&
            (BinaryPrimitives.ReadInt16BigEndian(copy[ProducerEpochPosition..]) != None || BinaryPrimitives.ReadInt32BigEndian(copy[BaseSequencePosition..]) != None))
        {
            BinaryPrimitives.WriteInt16BigEndian(copy[ProducerEpochPosition..], (short)None);
            BinaryPrimitives.WriteInt32BigEndian(copy[BaseSequencePosition..], None);
            BinaryPrimitives.WriteUInt32BigEndian(copy[CrcPosition..], Crc32C.Compute(copy[AttributesPosition..]));
        }

        _length += batch.Length;
        var maxTimestamp = BinaryPrimitives.ReadInt64BigEndian(copy[MaxTimestampPosition..]);
        var baseTimestamp = BinaryPrimitives.ReadInt64BigEndian(copy[BaseTimestampPosition..]);
        _batches.Add(new Batch { Start = start, BaseOffset = baseOffset, Count = count, BaseTimestamp = baseTimestamp, MaxTimestamp = maxTimestamp, Produced = true });
        RecordCount += count;
    }

    /// <summary>Gets the offset of the first record, or -1 when there is none.</summary>
    public long FirstOffset => _batches.Count == 0 ? -1 : _batches[0].BaseOffset;

    /// <summary>Fills in every batch's header and CRC, stamped with its commit group; after this the batches are ready to write.</summary>
    /// <param name="commitGroupStart">The first offset written since the partition's last fsync (see <see cref="CommitGroup"/>).</param>
    public void Seal(long commitGroupStart)
    {
        for (var i = 0; i < _batches.Count; i++)
        {
            var batch = _batches[i];
            if (batch.Produced)
            {
                // A producer's batch keeps its own header: its baseSequence is the producer's, so it carries no stamp.
                continue;
            }

            var end = i + 1 < _batches.Count ? _batches[i + 1].Start : _length;
            RecordBatchEncoder.WriteHeader(
                _buffer.AsSpan(batch.Start, end - batch.Start), batch.BaseOffset, batch.Count, batch.Count - 1, batch.BaseTimestamp, batch.MaxTimestamp,
                CommitGroup.Stamp(batch.BaseOffset, commitGroupStart));
        }
    }

    /// <summary>Returns the bytes of batch <paramref name="index"/>, its base offset and its record count.</summary>
    public ReadOnlySpan<byte> GetBatch(int index, out long baseOffset, out int count, out long maxTimestamp)
    {
        var batch = _batches[index];
        var end = index + 1 < _batches.Count ? _batches[index + 1].Start : _length;
        baseOffset = batch.BaseOffset;
        count = batch.Count;
        maxTimestamp = batch.MaxTimestamp;
        Debug.Assert(BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(batch.Start + BatchLengthPosition)) == end - batch.Start - LogOverhead, "Seal must run first.");
        return _buffer.AsSpan(batch.Start, end - batch.Start);
    }

    /// <summary>Forgets every record, keeping the buffer unless a burst grew it past eight batches.</summary>
    public void Clear()
    {
        _batches.Clear();
        _length = 0;
        RecordCount = 0;
        if (_buffer.Length > 8 * Math.Max(maxBatchBytes, 64 * 1024))
        {
            _buffer = new byte[64 * 1024];
        }
    }

    private void EnsureCapacity(int more)
    {
        if (_length + more <= _buffer.Length)
        {
            return;
        }

        var size = Math.Max(_buffer.Length * 2L, (long)_length + more);
        if (size > Array.MaxLength)
        {
            throw new InvalidOperationException($"Pending appends would take {size} bytes, more than one buffer holds.");
        }

        Array.Resize(ref _buffer, (int)size);
    }

    private struct Batch
    {
        public int Start;
        public long BaseOffset;
        public int Count;
        public long BaseTimestamp;
        public long MaxTimestamp;
        public bool Produced;
    }
}
