using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace Herald.Log.Storage;

/// <summary>A segment's sparse offset index: the <c>.index</c> file of (relative offset, log position) pairs.</summary>
/// <remarks>
/// <para>
/// Entries are big-endian (offset relative to the segment's base: int32, log file position: int32), strictly increasing
/// in both, and each names the start of a batch. The file is a hint: <see cref="Load"/> keeps the valid prefix only, and
/// the segment re-validates the log before it trusts an entry.
/// </para>
/// <para>
/// Entries are added in memory and written by <see cref="Save"/>. Recovery <see cref="Rewind"/>s and adds the entries the
/// log calls for again: those that repeat the file's cost no write, so a clean open writes nothing. Not thread-safe: the
/// segment owns it.
/// </para>
/// </remarks>
internal sealed class OffsetIndex : IDisposable
{
    /// <summary>The bytes of one entry.</summary>
    public const int EntrySize = 8;

    private readonly SafeFileHandle _file;

    // Entries [0, _count) are the index; [_count, end) are loaded entries a rebuild may still repeat. The first _saved
    // entries are in the file, which is _fileLength bytes long.
    private readonly List<(int RelativeOffset, int Position)> _entries = [];
    private int _count;
    private int _saved;
    private long _fileLength;

    /// <summary>Opens or creates the index file at <paramref name="path"/>; <see cref="FileMode.Create"/> empties it.</summary>
    public OffsetIndex(string path, FileMode mode)
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
    public (int RelativeOffset, int Position) this[int index] => index < _count ? _entries[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Reads the file's entries up to the first that is out of order or points at or past <paramref name="logLength"/>.</summary>
    public void Load(long logLength)
    {
        Debug.Assert(_entries.Count == 0, "An index loads once, before any entry is added.");
        var bytes = new byte[(int)Math.Min(_fileLength / EntrySize, int.MaxValue / EntrySize) * EntrySize];
        var read = bytes.Length == 0 ? 0 : RandomAccess.Read(_file, bytes, 0);
        (int RelativeOffset, int Position) last = (0, 0);
        for (var i = 0; i + EntrySize <= read; i += EntrySize)
        {
            var relative = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i));
            var position = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i + sizeof(int)));
            if (relative <= last.RelativeOffset || position <= last.Position || position >= logLength)
            {
                break;
            }

            last = (relative, position);
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

    /// <summary>Adds an entry in memory; <see cref="Save"/> writes it unless the file holds it already.</summary>
    public void Add(int relativeOffset, int position)
    {
        Debug.Assert(_count == 0 || (relativeOffset > _entries[_count - 1].RelativeOffset && position > _entries[_count - 1].Position), "Entries strictly increase.");
        if (_count < _entries.Count)
        {
            if (_entries[_count] == (relativeOffset, position))
            {
                _count++;
                return;
            }

            Drop();
        }

        _entries.Add((relativeOffset, position));
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

    /// <summary>Returns the index of the entry whose relative offset is exactly <paramref name="relativeOffset"/>, or -1.</summary>
    public int IndexOf(int relativeOffset)
    {
        var floor = Floor(relativeOffset);
        return floor >= 0 && _entries[floor].RelativeOffset == relativeOffset ? floor : -1;
    }

    /// <summary>Returns the log position of the last indexed batch starting at or before <paramref name="relativeOffset"/>, or 0.</summary>
    public long FindPosition(int relativeOffset)
    {
        var floor = Floor(relativeOffset);
        return floor < 0 ? 0 : _entries[floor].Position;
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
        var bytes = length <= 256 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            for (var i = _saved; i < _count; i++)
            {
                var entry = bytes[((i - _saved) * EntrySize)..];
                BinaryPrimitives.WriteInt32BigEndian(entry, _entries[i].RelativeOffset);
                BinaryPrimitives.WriteInt32BigEndian(entry[sizeof(int)..], _entries[i].Position);
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

    private int Floor(int relativeOffset)
    {
        int low = 0, high = _count - 1, found = -1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (_entries[middle].RelativeOffset <= relativeOffset)
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
