using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

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
/// The file is a hint, written and rebuilt like <see cref="OffsetIndex"/>'s: <see cref="Load"/> keeps the valid prefix
/// only, entries are added in memory and written by <see cref="Save"/>, and a rebuild that repeats the file writes
/// nothing. Not thread-safe: the segment owns it.
/// </para>
/// </remarks>
internal sealed class TimeIndex : IDisposable
{
    /// <summary>The bytes of one entry.</summary>
    public const int EntrySize = sizeof(long) + sizeof(int);

    /// <summary>Kafka's "no timestamp", and the max timestamp of an empty segment.</summary>
    public const long NoTimestamp = -1;

    private readonly SafeFileHandle _file;

    // Entries [0, _count) are the index; [_count, end) are loaded entries a rebuild may still repeat. The first _saved
    // entries are in the file, which is _fileLength bytes long.
    private readonly List<(long Timestamp, int RelativeOffset)> _entries = [];
    private int _count;
    private int _saved;
    private long _fileLength;

    /// <summary>Opens or creates the index file at <paramref name="path"/>; <see cref="FileMode.Create"/> empties it.</summary>
    public TimeIndex(string path, FileMode mode)
    {
        Path = path;
        _file = File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.Read);
        _fileLength = RandomAccess.GetLength(_file);
    }

    /// <summary>Gets the path of the index file.</summary>
    public string Path { get; }

    /// <summary>Gets the number of entries.</summary>
    public int Count => _count;

    /// <summary>Gets the entry at <paramref name="index"/>, below <see cref="Count"/>.</summary>
    public (long Timestamp, int RelativeOffset) this[int index] => index < _count ? _entries[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Gets the newest entry's timestamp, or <see cref="NoTimestamp"/> when there is none.</summary>
    public long LastTimestamp => _count == 0 ? NoTimestamp : _entries[_count - 1].Timestamp;

    /// <summary>Reads the file's entries up to the first that does not increase both fields.</summary>
    public void Load()
    {
        Debug.Assert(_entries.Count == 0, "An index loads once, before any entry is added.");
        var bytes = new byte[(int)Math.Min(_fileLength / EntrySize, int.MaxValue / EntrySize) * EntrySize];
        var read = bytes.Length == 0 ? 0 : RandomAccess.Read(_file, bytes, 0);
        (long Timestamp, int RelativeOffset) last = (NoTimestamp, 0);
        for (var i = 0; i + EntrySize <= read; i += EntrySize)
        {
            var timestamp = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(i));
            var relative = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i + sizeof(long)));
            if (timestamp <= last.Timestamp || relative <= last.RelativeOffset)
            {
                break;
            }

            last = (timestamp, relative);
            _entries.Add(last);
        }

        _count = _saved = _entries.Count;
    }

    /// <summary>Keeps the first <paramref name="count"/> entries; entries added next replace the rest, which <see cref="Save"/> drops.</summary>
    public void Rewind(int count)
    {
        Debug.Assert(count <= _count, "A rewind goes back.");
        _count = count;
    }

    /// <summary>Adds an entry in memory when <paramref name="maxTimestampBefore"/> grew since the newest one; <see cref="Save"/> writes it unless the file holds it already.</summary>
    /// <param name="maxTimestampBefore">The segment's max timestamp before the batch at <paramref name="relativeOffset"/>.</param>
    /// <param name="relativeOffset">The relative offset of a batch that gets an offset-index entry.</param>
    public void Track(long maxTimestampBefore, int relativeOffset)
    {
        if (maxTimestampBefore <= LastTimestamp)
        {
            return;
        }

        Debug.Assert(_count == 0 || relativeOffset > _entries[_count - 1].RelativeOffset, "Entries strictly increase.");
        if (_count < _entries.Count)
        {
            if (_entries[_count] == (maxTimestampBefore, relativeOffset))
            {
                _count++;
                return;
            }

            Drop();
        }

        _entries.Add((maxTimestampBefore, relativeOffset));
        _count++;
    }

    /// <summary>Writes the entries added since the last save, in one write, and cuts the file to <see cref="Count"/> entries.</summary>
    public void Save()
    {
        Drop();
        if (_saved < _count)
        {
            Write();
        }

        if (_fileLength != (long)_count * EntrySize)
        {
            _fileLength = (long)_count * EntrySize;
            RandomAccess.SetLength(_file, _fileLength);
        }
    }

    /// <summary>Returns the relative offset where a search for the first batch with a max timestamp at or after <paramref name="timestamp"/> can start: every batch before it is older.</summary>
    public int FindStartOffset(long timestamp)
    {
        int low = 0, high = _count - 1, start = 0;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (_entries[middle].Timestamp < timestamp)
            {
                start = _entries[middle].RelativeOffset;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return start;
    }

    /// <summary>Flushes the file to disk.</summary>
    public void Flush() => RandomAccess.FlushToDisk(_file);

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();

    private void Drop()
    {
        if (_count < _entries.Count)
        {
            _entries.RemoveRange(_count, _entries.Count - _count);
            _saved = Math.Min(_saved, _count);
        }
    }

    private void Write()
    {
        var length = (_count - _saved) * EntrySize;
        byte[]? rented = null;
        var bytes = length <= 240 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            for (var i = _saved; i < _count; i++)
            {
                var entry = bytes[((i - _saved) * EntrySize)..];
                BinaryPrimitives.WriteInt64BigEndian(entry, _entries[i].Timestamp);
                BinaryPrimitives.WriteInt32BigEndian(entry[sizeof(long)..], _entries[i].RelativeOffset);
            }

            RandomAccess.Write(_file, bytes, (long)_saved * EntrySize);
            _fileLength = Math.Max(_fileLength, (long)_count * EntrySize);
            _saved = _count;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
