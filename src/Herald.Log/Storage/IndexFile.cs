using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Herald.Log.Storage;

/// <summary>
/// A segment's sparse index file of fixed-size big-endian entries, strictly increasing: what <see cref="OffsetIndex"/>
/// and <see cref="TimeIndex"/> share. The file is a hint: loading keeps its valid prefix only.
/// </summary>
/// <remarks>
/// Entries are added in memory and written by <see cref="Save"/>. Recovery <see cref="Rewind"/>s and adds the entries
/// the log calls for again: those that repeat the file's cost no write, so a clean open writes nothing. Not thread-safe:
/// the segment owns it.
/// </remarks>
/// <typeparam name="TEntry">The entry, compared by value to spot repeats.</typeparam>
internal abstract class IndexFile<TEntry> : IDisposable
    where TEntry : struct, IEquatable<TEntry>
{
    private const int ChunkEntries = 8192;
    private readonly SafeFileHandle? _file;
    private readonly int _entrySize;

    // Entries [0, Count) are the index; [Count, end) are loaded entries a rebuild may still repeat. The first _saved
    // entries are in the file, which is _fileLength bytes long.
    private int _saved;
    private long _fileLength;

    /// <summary>Opens or creates the index file at <paramref name="path"/>; <see cref="FileMode.Create"/> empties it.</summary>
    /// <remarks>Read-only, a missing file is an empty index, and nothing is ever written: the entries live in memory.</remarks>
    protected IndexFile(string path, FileMode mode, int entrySize, bool readOnly)
    {
        Path = path;
        _entrySize = entrySize;
        if (readOnly)
        {
            _file = File.Exists(path) ? File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite) : null;
            IsReadOnly = true;
        }
        else
        {
            _file = File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.Read);
        }

        _fileLength = _file is null ? 0 : RandomAccess.GetLength(_file);
    }

    /// <summary>Gets a value indicating whether the file is never written.</summary>
    public bool IsReadOnly { get; }

    /// <summary>Gets the path of the index file.</summary>
    public string Path { get; }

    /// <summary>Gets the number of entries.</summary>
    public int Count { get; private set; }

    /// <summary>Gets the entries, the first <see cref="Count"/> of which are the index.</summary>
    protected List<TEntry> Entries { get; } = [];

    /// <summary>Gets the entry at <paramref name="index"/>, below <see cref="Count"/>.</summary>
    public TEntry this[int index] => index < Count ? Entries[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Keeps the first <paramref name="count"/> entries; entries added next replace the rest, which <see cref="Save"/> drops.</summary>
    public void Rewind(int count)
    {
        System.Diagnostics.Debug.Assert(count <= Count, "A rewind goes back.");
        Count = count;
    }

    /// <summary>Writes the entries added since the last save, in one write, and cuts the file to <see cref="Count"/> entries.</summary>
    public void Save()
    {
        Drop();
        if (_file is null || IsReadOnly)
        {
            return;
        }

        if (_saved < Count)
        {
            Write();
        }

        if (_fileLength != (long)Count * _entrySize)
        {
            _fileLength = (long)Count * _entrySize;
            RandomAccess.SetLength(_file!, _fileLength);
        }
    }

    /// <summary>Flushes the file to disk.</summary>
    public void Flush()
    {
        if (_file is not null && !IsReadOnly)
        {
            RandomAccess.FlushToDisk(_file);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _file?.Dispose();

    /// <summary>Reads the file's entries up to the first that <paramref name="follows"/> rejects after the one before it (or <paramref name="start"/>), and at most <paramref name="maxEntries"/>.</summary>
    /// <remarks>Reads in chunks: the file's length is not trusted (a sparse or damaged index may claim gigabytes).</remarks>
    protected void LoadEntries(TEntry start, Func<TEntry, TEntry, bool> follows, long maxEntries)
    {
        System.Diagnostics.Debug.Assert(Entries.Count == 0, "An index loads once, before any entry is added.");
        var limit = Math.Min(_fileLength / _entrySize, Math.Max(0, maxEntries));
        var bytes = ArrayPool<byte>.Shared.Rent(ChunkEntries * _entrySize);
        try
        {
            var last = start;
            for (long loaded = 0; loaded < limit;)
            {
                var want = (int)Math.Min(ChunkEntries, limit - loaded) * _entrySize;
                var read = RandomAccess.Read(_file!, bytes.AsSpan(0, want), loaded * _entrySize);
                for (var i = 0; i + _entrySize <= read; i += _entrySize)
                {
                    var entry = ReadEntry(bytes.AsSpan(i, _entrySize));
                    if (!follows(last, entry))
                    {
                        limit = 0;
                        break;
                    }

                    last = entry;
                    Entries.Add(entry);
                }

                loaded += ChunkEntries;
                if (read < want)
                {
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }

        Count = _saved = Entries.Count;
    }

    /// <summary>Adds an entry in memory; <see cref="Save"/> writes it unless the file holds it already.</summary>
    protected void AddEntry(TEntry entry)
    {
        if (Count < Entries.Count)
        {
            if (Entries[Count].Equals(entry))
            {
                Count++;
                return;
            }

            Drop();
        }

        Entries.Add(entry);
        Count++;
    }

    /// <summary>Decodes one entry.</summary>
    protected abstract TEntry ReadEntry(ReadOnlySpan<byte> bytes);

    /// <summary>Encodes one entry.</summary>
    protected abstract void WriteEntry(Span<byte> bytes, TEntry entry);

    private void Drop()
    {
        if (Count < Entries.Count)
        {
            Entries.RemoveRange(Count, Entries.Count - Count);
            _saved = Math.Min(_saved, Count);
        }
    }

    private void Write()
    {
        var length = (Count - _saved) * _entrySize;
        byte[]? rented = null;
        var bytes = length <= 240 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            for (var i = _saved; i < Count; i++)
            {
                WriteEntry(bytes.Slice((i - _saved) * _entrySize, _entrySize), Entries[i]);
            }

            RandomAccess.Write(_file!, bytes, (long)_saved * _entrySize);
            _fileLength = Math.Max(_fileLength, (long)Count * _entrySize);
            _saved = Count;
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
