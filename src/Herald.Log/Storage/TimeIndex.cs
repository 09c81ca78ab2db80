using System.Buffers.Binary;
using System.Diagnostics;

namespace Herald.Log.Storage;

/// <summary>A segment's sparse time index: the <c>.timeindex</c> file of (max timestamp so far, relative offset) pairs.</summary>
/// <remarks>
/// <para>
/// Entries are big-endian (Unix epoch milliseconds: int64, offset relative to the segment's base: int32), as in Kafka.
/// An entry (T, R) says that every batch before relative offset R has a max timestamp of at most T: T is the segment's
/// max timestamp just before the batch at R. The segment adds one beside an offset-index entry, only when T grew since
/// the previous entry, so both fields strictly increase and a lookup is a binary search even when timestamps arrive out
/// of order.
/// </para>
/// <para>
/// The file is a hint, written and rebuilt as every <see cref="IndexFile{TEntry}"/> is.
/// </para>
/// </remarks>
internal sealed class TimeIndex(string path, FileMode mode, bool readOnly = false) : IndexFile<(long Timestamp, int RelativeOffset)>(path, mode, EntrySize, readOnly)
{
    /// <summary>The bytes of one entry.</summary>
    public const int EntrySize = sizeof(long) + sizeof(int);

    /// <summary>Kafka's "no timestamp", and the max timestamp of an empty segment.</summary>
    public const long NoTimestamp = -1;

    /// <summary>Gets the newest entry's timestamp, or <see cref="NoTimestamp"/> when there is none.</summary>
    public long LastTimestamp => Count == 0 ? NoTimestamp : Entries[Count - 1].Timestamp;

    /// <summary>Reads the file's entries up to the first that does not increase both fields.</summary>
    /// <param name="logLength">The log file's length, which bounds the entries read as it bounds the offset index's.</param>
    public void Load(long logLength) =>
        LoadEntries((NoTimestamp, 0), (last, next) => next.Timestamp > last.Timestamp && next.RelativeOffset > last.RelativeOffset, OffsetIndex.MaxEntries(logLength));

    /// <summary>Adds an entry in memory when <paramref name="maxTimestampBefore"/> grew since the newest one; <see cref="IndexFile{TEntry}.Save"/> writes it unless the file holds it already.</summary>
    /// <param name="maxTimestampBefore">The segment's max timestamp before the batch at <paramref name="relativeOffset"/>.</param>
    /// <param name="relativeOffset">The relative offset of a batch that gets an offset-index entry.</param>
    public void Track(long maxTimestampBefore, int relativeOffset)
    {
        if (maxTimestampBefore <= LastTimestamp)
        {
            return;
        }

        Debug.Assert(Count == 0 || relativeOffset > Entries[Count - 1].RelativeOffset, "Entries strictly increase.");
        AddEntry((maxTimestampBefore, relativeOffset));
    }

    /// <summary>Returns the relative offset where a search for the first batch with a max timestamp at or after <paramref name="timestamp"/> can start: every batch before it is older.</summary>
    public int FindStartOffset(long timestamp)
    {
        int low = 0, high = Count - 1, start = 0;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (Entries[middle].Timestamp < timestamp)
            {
                start = Entries[middle].RelativeOffset;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return start;
    }

    /// <inheritdoc/>
    protected override (long Timestamp, int RelativeOffset) ReadEntry(ReadOnlySpan<byte> bytes) =>
        (BinaryPrimitives.ReadInt64BigEndian(bytes), BinaryPrimitives.ReadInt32BigEndian(bytes[sizeof(long)..]));

    /// <inheritdoc/>
    protected override void WriteEntry(Span<byte> bytes, (long Timestamp, int RelativeOffset) entry)
    {
        BinaryPrimitives.WriteInt64BigEndian(bytes, entry.Timestamp);
        BinaryPrimitives.WriteInt32BigEndian(bytes[sizeof(long)..], entry.RelativeOffset);
    }
}
