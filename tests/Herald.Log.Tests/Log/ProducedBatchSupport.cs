using System.Text;
using Herald.Log.Storage;
using Herald.Log.Tests.Storage;

namespace Herald.Log.Tests.Log;

/// <summary>Reads a partition back into plain values, nulls kept, and its stored batches as bytes.</summary>
internal static class ProducedBatchSupport
{
    public static LogRecord Record(long timestamp, string? key, string? value, params (string Key, string? Value)[] headers) =>
        BatchBytes.Record(timestamp, key, value, headers);

    public static byte[] Concat(params byte[][] batches) => [.. batches.SelectMany(b => b)];

    public static List<Stored> ReadAll(LogPartition partition, long from = 0)
    {
        using var reader = partition.OpenReader(from);
        var stored = new List<Stored>();
        while (reader.TryRead(out var records))
        {
            foreach (var record in records)
            {
                stored.Add(Stored.From(record));
            }
        }

        return stored;
    }

    /// <summary>Returns every stored batch, by base offset, as the reader's <see cref="RecordSet.Bytes"/> hold it.</summary>
    public static Dictionary<long, byte[]> StoredBatches(LogPartition partition)
    {
        using var reader = partition.OpenReader(partition.StartOffset);
        var batches = new Dictionary<long, byte[]>();
        while (reader.TryRead(out var records))
        {
            var rest = records.Bytes;
            while (RecordBatchHeader.TryRead(rest, out var header))
            {
                batches[header.BaseOffset] = rest[..header.Size].ToArray();
                rest = rest[header.Size..];
            }

            Assert.True(rest.IsEmpty);
        }

        return batches;
    }

    /// <summary>Returns what the log should store for a produced batch: the same bytes with the assigned base offset and leader epoch 0.</summary>
    public static byte[] AsStored(byte[] produced, long baseOffset)
    {
        var stored = (byte[])produced.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(stored.AsSpan(RecordBatchLayout.BaseOffsetPosition), baseOffset);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(stored.AsSpan(RecordBatchLayout.PartitionLeaderEpochPosition), 0);
        return stored;
    }

    public static List<Stored> Expected(long firstOffset, params LogRecord[] records) =>
        [.. records.Select((r, i) => Stored.From(firstOffset + i, r))];

    internal sealed record Stored(long Offset, long Timestamp, string? Key, string? Value, string Headers)
    {
        public static Stored From(RecordView record)
        {
            var headers = new StringBuilder();
            foreach (var header in record.Headers)
            {
                headers.Append(header.GetKeyString()).Append('=').Append(header.HasValue ? Encoding.UTF8.GetString(header.Value) : "(null)").Append(';');
            }

            return new(record.Offset, record.Timestamp, record.HasKey ? Encoding.UTF8.GetString(record.Key) : null,
                record.HasValue ? Encoding.UTF8.GetString(record.Value) : null, headers.ToString());
        }

        public static Stored From(long offset, LogRecord record)
        {
            var headers = new StringBuilder();
            foreach (var header in record.Headers.Span)
            {
                headers.Append(header.Key).Append('=').Append(header.Value is { } value ? Encoding.UTF8.GetString(value.Span) : "(null)").Append(';');
            }

            return new(offset, record.Timestamp, Text(record.Key), Text(record.Value), headers.ToString());
        }

        private static string? Text(ReadOnlyMemory<byte>? bytes) => bytes is { } value ? Encoding.UTF8.GetString(value.Span) : null;
    }
}
