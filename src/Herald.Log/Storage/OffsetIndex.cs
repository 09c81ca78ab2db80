using System.Buffers.Binary;
using System.Diagnostics;

namespace Herald.Log.Storage;

/// <summary>A segment's sparse offset index: the <c>.index</c> file of (relative offset, log position) pairs.</summary>
/// <remarks>
/// <para>
/// Entries are big-endian (offset relative to the segment's base: int32, log file position: int32), strictly increasing
/// in both, and each names the start of a batch. The file is a hint: <see cref="Load"/> keeps the valid prefix only, and
/// the segment re-validates the log before it trusts an entry.
/// </para>
/// <para>Written and rebuilt as every <see cref="IndexFile{TEntry}"/> is.</para>
/// </remarks>
internal sealed class OffsetIndex(string path, FileMode mode, bool readOnly = false) : IndexFile<(int RelativeOffset, int Position)>(path, mode, EntrySize, readOnly)
{
    /// <summary>The bytes of one entry.</summary>
    public const int EntrySize = 8;

    /// <summary>Reads the file's entries up to the first that is out of order or points at or past <paramref name="logLength"/>.</summary>
    /// <remarks>Each entry names a distinct batch, and a batch takes at least a header: the log's length bounds the entries read.</remarks>
    public void Load(long logLength) =>
        LoadEntries((0, 0), (last, next) => next.RelativeOffset > last.RelativeOffset && next.Position > last.Position && next.Position < logLength, MaxEntries(logLength));

    /// <summary>Returns how many entries a log of <paramref name="logLength"/> bytes can have: one per batch after the first.</summary>
    public static long MaxEntries(long logLength) => logLength / RecordBatchLayout.RecordsPosition;

    /// <summary>Adds an entry in memory; <see cref="IndexFile{TEntry}.Save"/> writes it unless the file holds it already.</summary>
    public void Add(int relativeOffset, int position)
    {
        Debug.Assert(Count == 0 || (relativeOffset > Entries[Count - 1].RelativeOffset && position > Entries[Count - 1].Position), "Entries strictly increase.");
        AddEntry((relativeOffset, position));
    }

    /// <summary>Returns the index of the entry whose relative offset is exactly <paramref name="relativeOffset"/>, or -1.</summary>
    public int IndexOf(int relativeOffset)
    {
        var floor = Floor(relativeOffset);
        return floor >= 0 && Entries[floor].RelativeOffset == relativeOffset ? floor : -1;
    }

    /// <summary>Returns the log position of the last indexed batch starting at or before <paramref name="relativeOffset"/>, or 0.</summary>
    public long FindPosition(int relativeOffset)
    {
        var floor = Floor(relativeOffset);
        return floor < 0 ? 0 : Entries[floor].Position;
    }

    /// <inheritdoc/>
    protected override (int RelativeOffset, int Position) ReadEntry(ReadOnlySpan<byte> bytes) =>
        (BinaryPrimitives.ReadInt32BigEndian(bytes), BinaryPrimitives.ReadInt32BigEndian(bytes[sizeof(int)..]));

    /// <inheritdoc/>
    protected override void WriteEntry(Span<byte> bytes, (int RelativeOffset, int Position) entry)
    {
        BinaryPrimitives.WriteInt32BigEndian(bytes, entry.RelativeOffset);
        BinaryPrimitives.WriteInt32BigEndian(bytes[sizeof(int)..], entry.Position);
    }

    private int Floor(int relativeOffset)
    {
        int low = 0, high = Count - 1, found = -1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (Entries[middle].RelativeOffset <= relativeOffset)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }
}
