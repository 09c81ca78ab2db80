using Herald.Log.Storage;

namespace Herald.Server.Internal;

/// <summary>What the broker reads of produced batches before appending them: their headers, for the idempotence checks.</summary>
internal static class BatchHeaders
{
    /// <summary>Reads every batch header in <paramref name="batches"/>; false when the bytes are not whole batches (the
    /// log checks the rest: magic, CRC, records).</summary>
    public static bool TryReadAll(ReadOnlySpan<byte> batches, List<RecordBatchHeader> headers)
    {
        while (batches.Length > 0)
        {
            if (!RecordBatchHeader.TryRead(batches, out var header) || header.Size > batches.Length)
            {
                return false;
            }

            headers.Add(header);
            batches = batches[header.Size..];
        }

        return true;
    }

    /// <summary>Gets whether a producer id marks the batch idempotent.</summary>
    public static bool IsIdempotent(this RecordBatchHeader header) => header.ProducerId >= 0;

    /// <summary>Gets the sequence of the batch's last record (sequences wrap after int.MaxValue).</summary>
    public static int LastSequence(this RecordBatchHeader header) => (int)(((long)header.BaseSequence + header.LastOffsetDelta) % ((long)int.MaxValue + 1));
}
