using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Herald.Log.Storage;

namespace Herald.Log.Tests.Storage;

/// <summary>A decoded record copied out of its batch, for comparisons.</summary>
internal sealed record DecodedRecord(long Offset, long Timestamp, byte[]? Key, byte[]? Value, IReadOnlyList<(string Key, byte[]? Value)> Headers);

/// <summary>Encodes, decodes and patches batches for the tests.</summary>
internal static class BatchBytes
{
    public const long Epoch = 1_700_000_000_000;

    public static byte[] Encode(long baseOffset, params LogRecord[] records)
    {
        var writer = new ArrayBufferWriter<byte>();
        RecordBatchEncoder.Encode(writer, baseOffset, records);
        return writer.WrittenSpan.ToArray();
    }

    public static LogRecord Record(long timestamp, string? key, string? value, params (string Key, string? Value)[] headers) =>
        new(timestamp, Utf8(key), Utf8(value), headers.Select(h => new RecordHeader(h.Key, Utf8(h.Value))).ToArray());

    // Not `text is null ? null : bytes`: that is a null byte[], which converts to an empty ReadOnlyMemory, not to null.
    public static ReadOnlyMemory<byte>? Utf8(string? text) => text is null ? default(ReadOnlyMemory<byte>?) : Encoding.UTF8.GetBytes(text);

    public static List<DecodedRecord> Decode(byte[] batchBytes)
    {
        var check = RecordBatch.Read(batchBytes, out var batch);
        Assert.Equal(RecordBatchStatus.Complete, check.Status);
        var records = new List<DecodedRecord>();
        foreach (var record in batch)
        {
            var headers = new List<(string, byte[]?)>();
            foreach (var header in record.Headers)
            {
                headers.Add((header.GetKeyString(), header.HasValue ? header.Value.ToArray() : null));
            }

            records.Add(new DecodedRecord(
                record.Offset, record.Timestamp,
                record.HasKey ? record.Key.ToArray() : null,
                record.HasValue ? record.Value.ToArray() : null,
                headers));
        }

        return records;
    }

    /// <summary>Recomputes the CRC after a test patched covered fields, so only the patch is wrong.</summary>
    public static byte[] Reseal(byte[] batchBytes)
    {
        var crc = Crc32C.AppendSoftware(0, batchBytes.AsSpan(RecordBatchLayout.AttributesPosition));
        BinaryPrimitives.WriteUInt32BigEndian(batchBytes.AsSpan(RecordBatchLayout.CrcPosition), crc);
        return batchBytes;
    }

    public static byte[] FromHex(string hex) => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));
}
