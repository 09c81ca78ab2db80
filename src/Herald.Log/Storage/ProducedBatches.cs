using System.Buffers.Binary;
using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Storage;

/// <summary>
/// Checks record batches as a Kafka client produced them before <see cref="LogPartition.AppendBatchesAsync"/> takes them:
/// framing, magic, CRC, attributes, producer fields, and every record, decompressed when the batch is compressed.
/// </summary>
/// <remarks>
/// The checks are those a Kafka broker makes, plus one that Herald.Log relies on: the batch's <c>maxTimestamp</c> must be
/// its records' greatest timestamp (the time index trusts it). A batch without a producer id may carry any epoch and
/// sequence, as Kafka allows (kafkajs writes 0 and 0): they mean nothing there, and <see cref="PendingBatches.AddProduced"/>
/// stores them as -1, since recovery reads a sequence without a producer as the writer's commit-group stamp (see
/// <see cref="CommitGroup"/>).
/// </remarks>
internal static class ProducedBatches
{
    private const short LogAppendTimeFlag = 0x08;

    /// <summary>Checks every batch in <paramref name="batches"/> and returns where each starts, its size and its record count.</summary>
    /// <exception cref="InvalidRecordBatchException">A batch is invalid; the message names it (counted from 1), its byte position and the problem.</exception>
    public static List<(int Start, int Size, int Count)> Validate(ReadOnlySpan<byte> batches, int maxBatchBytes, int maxUncompressedBytes)
    {
        if (batches.IsEmpty)
        {
            throw new InvalidRecordBatchException(InvalidRecordBatchReason.Corrupt, "There are no record batches: the buffer is empty. Nothing was appended.");
        }

        var found = new List<(int Start, int Size, int Count)>();
        for (var position = 0; position < batches.Length;)
        {
            var size = Frame(batches[position..], found.Count + 1, position, maxBatchBytes);
            var batch = RecordBatch.ReadChecked(batches.Slice(position, size));
            var (reason, problem) = CheckHeader(batch) ?? CheckRecords(batch, maxUncompressedBytes);
            if (problem is not null)
            {
                throw Invalid(reason, found.Count + 1, position, problem);
            }

            found.Add((position, size, batch.Count));
            position += size;
        }

        return found;
    }

    private static int Frame(ReadOnlySpan<byte> rest, int number, int position, int maxBatchBytes)
    {
        if (rest.Length < RecordsPosition)
        {
            throw Invalid(InvalidRecordBatchReason.Corrupt, number, position, $"only {rest.Length} bytes remain, fewer than the {RecordsPosition} of a RecordBatch v2 header (a cut batch or trailing bytes)");
        }

        var batchLength = BinaryPrimitives.ReadInt32BigEndian(rest[BatchLengthPosition..]);
        if (batchLength < MinimumBatchLength)
        {
            throw Invalid(InvalidRecordBatchReason.Corrupt, number, position, $"batchLength {batchLength} is below the {MinimumBatchLength} bytes of a header");
        }

        if (batchLength > rest.Length - LogOverhead)
        {
            throw Invalid(InvalidRecordBatchReason.Corrupt, number, position, $"batchLength {batchLength} runs past the end of the buffer ({rest.Length - LogOverhead} bytes follow the length field)");
        }

        if (batchLength > maxBatchBytes)
        {
            throw Invalid(InvalidRecordBatchReason.TooLarge, number, position, $"batchLength {batchLength} is over the topic's MaxBatchBytes ({maxBatchBytes})");
        }

        if (rest[MagicPosition] != CurrentMagic)
        {
            throw Invalid(InvalidRecordBatchReason.Corrupt, number, position, $"magic byte is {(sbyte)rest[MagicPosition]}; only RecordBatch v2 (magic {CurrentMagic}) is accepted");
        }

        var size = LogOverhead + batchLength;
        var stored = BinaryPrimitives.ReadUInt32BigEndian(rest[CrcPosition..]);
        var computed = Crc32C.Compute(rest[AttributesPosition..size]);
        return stored == computed
            ? size
            : throw Invalid(InvalidRecordBatchReason.Corrupt, number, position, $"CRC32C mismatch (stored 0x{stored:X8}, computed 0x{computed:X8})");
    }

    private static (InvalidRecordBatchReason, string?)? CheckHeader(RecordBatch batch)
    {
        var attributes = batch.Attributes;
        string? problem = (attributes & ControlFlag) != 0 ? "it is a control batch (a transaction marker), which producers may not write"
            : (attributes & LogAppendTimeFlag) != 0 ? "its timestamp type is LogAppendTime; producers write CreateTime"
            : batch.Count < 1 ? $"recordCount is {batch.Count}; a batch holds at least one record"
            : batch.LastOffsetDelta != batch.Count - 1 ? $"lastOffsetDelta is {batch.LastOffsetDelta}, but a batch of {batch.Count} records has {batch.Count - 1}"
            : batch.ProducerId < None ? $"producerId is {batch.ProducerId}; it is -1 (none) or at least 0"
            : (attributes & TransactionalFlag) != 0 && batch.ProducerId == None ? "it is transactional but has no producerId"
            : null;
        if (problem is not null)
        {
            return (InvalidRecordBatchReason.InvalidRecord, problem);
        }

        return batch.Compression > BatchCompression.MaxCodec
            ? (InvalidRecordBatchReason.UnsupportedCompression, $"compression codec {batch.Compression} is not one Kafka defines (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)")
            : null;
    }

    private static (InvalidRecordBatchReason, string?) CheckRecords(RecordBatch batch, int maxUncompressedBytes)
    {
        if (batch.Compression == BatchCompression.None)
        {
            return CheckRecords(batch, batch.Bytes, RecordsPosition, "");
        }

        byte[]? rented = null;
        try
        {
            var records = batch.Decompress(maxUncompressedBytes, out rented);
            return CheckRecords(batch, records, 0, $"decompressed ({BatchCompression.Name(batch.Compression)}): ");
        }
        catch (DecompressedTooLargeException)
        {
            return (InvalidRecordBatchReason.TooLarge, $"its {BatchCompression.Name(batch.Compression)} records decompress to more than the topic's MaxUncompressedBatchBytes ({maxUncompressedBytes})");
        }
        catch (InvalidDataException exception)
        {
            return (InvalidRecordBatchReason.InvalidRecord, exception.Message.TrimEnd('.'));
        }
        finally
        {
            if (rented is not null)
            {
                BatchCompression.Return(rented);
            }
        }
    }

    private static (InvalidRecordBatchReason, string?) CheckRecords(RecordBatch batch, ReadOnlySpan<byte> source, int start, string context)
    {
        var reader = new FieldReader(source, start);
        var maxTimestamp = long.MinValue;
        for (var i = 0; i < batch.Count; i++)
        {
            if (reader.Remaining == 0)
            {
                return (InvalidRecordBatchReason.InvalidRecord, $"{context}recordCount is {batch.Count}, but the records end after {i}");
            }

            RecordView record;
            try
            {
                record = RecordView.Read(ref reader, 0, batch.BaseTimestamp);
            }
            catch (InvalidDataException exception)
            {
                return (InvalidRecordBatchReason.InvalidRecord, $"{context}record {i}: {exception.Message.TrimEnd('.')}");
            }

            if (record.Offset != i)
            {
                return (InvalidRecordBatchReason.InvalidRecord, $"{context}record {i} has offsetDelta {record.Offset}; records count up from 0");
            }

            maxTimestamp = Math.Max(maxTimestamp, record.Timestamp);
        }

        return reader.Remaining != 0 ? (InvalidRecordBatchReason.InvalidRecord, $"{context}{reader.Remaining} bytes follow the {batch.Count} records recordCount declares")
            : maxTimestamp != batch.MaxTimestamp ? (InvalidRecordBatchReason.InvalidRecord, $"maxTimestamp is {batch.MaxTimestamp}, but the records' greatest timestamp is {maxTimestamp}")
            : (default, null);
    }

    private static InvalidRecordBatchException Invalid(InvalidRecordBatchReason reason, int number, int position, string problem) =>
        new(reason, $"Record batch {number} at byte {position}: {problem}. Nothing was appended.");
}
