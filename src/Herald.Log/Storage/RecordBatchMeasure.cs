using System.Text;

namespace Herald.Log.Storage;

/// <summary>Measures the encoded size of a batch and of each record body before a single write pass.</summary>
internal static class RecordBatchMeasure
{
    /// <summary>Returns the batch size and, unless <paramref name="bodyLengths"/> is empty, stores each record's body length in it.</summary>
    public static int Measure(ReadOnlySpan<LogRecord> records, Span<int> bodyLengths)
    {
        if (records.IsEmpty)
        {
            throw new ArgumentException("A record batch needs at least one record.", nameof(records));
        }

        var baseTimestamp = records[0].Timestamp;
        long size = RecordBatchLayout.RecordsPosition;
        for (var i = 0; i < records.Length; i++)
        {
            var body = MeasureBody(in records[i], i, baseTimestamp);
            if (!bodyLengths.IsEmpty)
            {
                bodyLengths[i] = body;
            }

            size += Varint.GetLength(body) + body;
        }

        return size <= int.MaxValue
            ? (int)size
            : throw new ArgumentException($"The batch would take {size} bytes; a record batch holds at most 2 GiB.", nameof(records));
    }

    public static int MeasureBody(in LogRecord record, int offsetDelta, long baseTimestamp)
    {
        var headers = record.Headers.Span;
        long length = 1 + Varint.GetLength(record.Timestamp - baseTimestamp) + Varint.GetLength(offsetDelta)
            + MeasureBytes(record.Key) + MeasureBytes(record.Value) + Varint.GetLength(headers.Length);
        foreach (ref readonly var header in headers)
        {
            var key = header.Key ?? throw new ArgumentException("A record header has a null key (a default RecordHeader).", nameof(record));
            var keyLength = Ascii.IsValid(key) ? key.Length : Encoding.UTF8.GetByteCount(key);
            length += Varint.GetLength(keyLength) + keyLength + MeasureBytes(header.Value);
        }

        return length <= int.MaxValue
            ? (int)length
            : throw new ArgumentException($"A record would take {length} bytes; a record holds at most 2 GiB.", nameof(record));
    }

    private static long MeasureBytes(ReadOnlyMemory<byte>? bytes) =>
        bytes is { Length: var length } ? Varint.GetLength(length) + (long)length : Varint.GetLength(-1);
}
