using System.Buffers.Binary;

namespace Herald.Server.Internal;

/// <summary>The fields of a RecordBatch v2 header the broker decides on, read from its fixed layout.</summary>
internal readonly record struct BatchHeader(long BaseOffset, int Length, short Attributes, int LastOffsetDelta, long MaxTimestamp, long ProducerId, short ProducerEpoch, int BaseSequence, int RecordCount)
{
    /// <summary>The bytes of a batch header, up to and including the record count.</summary>
    public const int Size = 61;

    /// <summary>Gets whether a producer id marks the batch idempotent.</summary>
    public bool IsIdempotent => ProducerId >= 0;

    /// <summary>Gets the sequence of the batch's last record (sequences wrap at int.MaxValue).</summary>
    public int LastSequence => (int)(((long)BaseSequence + LastOffsetDelta) % ((long)int.MaxValue + 1));

    /// <summary>Reads every batch header in <paramref name="batches"/>; false when the bytes are not whole batches.</summary>
    public static bool TryReadAll(ReadOnlySpan<byte> batches, List<BatchHeader> headers)
    {
        while (batches.Length > 0)
        {
            if (batches.Length < Size)
            {
                return false;
            }

            var header = Read(batches);
            var total = 12L + header.Length;
            if (header.Length < Size - 12 || total > batches.Length || batches[16] != 2)
            {
                return false;
            }

            headers.Add(header);
            batches = batches[(int)total..];
        }

        return true;
    }

    /// <summary>Reads the header at the start of <paramref name="batch"/>, which holds at least <see cref="Size"/> bytes.</summary>
    public static BatchHeader Read(ReadOnlySpan<byte> batch) => new(
        BinaryPrimitives.ReadInt64BigEndian(batch),
        BinaryPrimitives.ReadInt32BigEndian(batch[8..]),
        BinaryPrimitives.ReadInt16BigEndian(batch[21..]),
        BinaryPrimitives.ReadInt32BigEndian(batch[23..]),
        BinaryPrimitives.ReadInt64BigEndian(batch[35..]),
        BinaryPrimitives.ReadInt64BigEndian(batch[43..]),
        BinaryPrimitives.ReadInt16BigEndian(batch[51..]),
        BinaryPrimitives.ReadInt32BigEndian(batch[53..]),
        BinaryPrimitives.ReadInt32BigEndian(batch[57..]));
}
