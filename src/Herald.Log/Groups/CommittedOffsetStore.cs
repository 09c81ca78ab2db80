using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.Win32.SafeHandles;

namespace Herald.Log.Groups;

/// <summary>Keeps consumer groups' committed offsets durable: one file per group in one directory.</summary>
/// <remarks>
/// <para>
/// A commit merges into the group's offsets like Kafka's OffsetCommit: the partitions it names take the new offsets,
/// the others keep theirs. It replaces the group's file atomically: the whole new content goes to a temporary file,
/// which is flushed to disk, renamed over the old file, and the directory is flushed so the rename is durable too. A
/// crash therefore leaves the old file or the new one, never a torn one; a leftover temporary file is deleted when the
/// store opens. Should the directory flush fail, a power loss right after a commit can bring back the previous offsets,
/// and the group re-reads some events, which at-least-once delivery allows.
/// </para>
/// <para>
/// Thread-safe: commits of different groups run in parallel, those of one group one at a time. One store per
/// directory: the data directory's <see cref="DirectoryLock"/> keeps other processes out.
/// </para>
/// </remarks>
internal sealed class CommittedOffsetStore : IDisposable
{
    /// <summary>The name of the store's directory inside a log's data directory.</summary>
    public const string DirectoryName = "__groups";

    private const string TemporarySuffix = ".tmp";

    private readonly ConcurrentDictionary<string, GroupFile> _groups = new(StringComparer.Ordinal);
    private readonly bool _readOnly;
    private volatile bool _disposed;

    private CommittedOffsetStore(string directory, bool readOnly)
    {
        Directory = directory;
        _readOnly = readOnly;
    }

    /// <summary>Gets the full path of the store's directory.</summary>
    public string Directory { get; }

    /// <summary>Opens the store in <paramref name="directory"/>, creating it when missing and deleting temporary files a crash left.</summary>
    /// <param name="directory">The store's directory, normally <see cref="DirectoryName"/> in the log's data directory.</param>
    /// <param name="readOnly">Whether to change nothing on disk: no directory is created, no file deleted, and commits throw.</param>
    public static CommittedOffsetStore Open(string directory, bool readOnly = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var fullPath = Path.GetFullPath(directory);
        if (readOnly)
        {
            return new CommittedOffsetStore(fullPath, readOnly: true);
        }

        if (!System.IO.Directory.Exists(fullPath))
        {
            System.IO.Directory.CreateDirectory(fullPath);
            LogDirectory.Sync(Path.GetDirectoryName(fullPath)!);
        }

        foreach (var temporary in System.IO.Directory.EnumerateFiles(fullPath, "*" + TemporarySuffix))
        {
            // A commit that crashed before its rename: the group's previous file still holds its offsets.
            File.Delete(temporary);
        }

        return new CommittedOffsetStore(fullPath, readOnly: false);
    }

    /// <summary>Returns the committed offsets of <paramref name="group"/>, empty when it has none.</summary>
    /// <exception cref="ArgumentException"><paramref name="group"/> is empty or cannot name a file.</exception>
    /// <exception cref="LogCorruptedException">The group's file is damaged.</exception>
    /// <remarks>A group that has no file and was never committed here is not remembered: asking about any number of
    /// names that are no group costs nothing afterwards. A commit writes its file by rename, so a load that races it
    /// reads the whole old file or the whole new one.</remarks>
    public IReadOnlyDictionary<(string Topic, int Partition), long> Load(string group)
    {
        if (!_groups.ContainsKey(group) && !File.Exists(Path.Combine(Directory, CommittedOffsetFile.Stem(group) + CommittedOffsetFile.Extension)))
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return FrozenDictionary<(string Topic, int Partition), long>.Empty;
        }

        var file = FileOf(group);
        lock (file.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Current(file);
        }
    }

    /// <summary>Durably sets the committed offsets of the partitions in <paramref name="offsets"/>; other partitions keep theirs.</summary>
    /// <param name="group">The consumer group.</param>
    /// <param name="offsets">The next offset to consume, per topic and partition.</param>
    /// <exception cref="ArgumentException">The group name is empty or cannot name a file, or an entry is invalid.</exception>
    /// <exception cref="LogCorruptedException">The group's current file is damaged, so its other offsets are unknown.</exception>
    /// <exception cref="IOException">Writing failed; the commit may or may not survive a crash, and the store stays usable.</exception>
    public void Commit(string group, IReadOnlyDictionary<(string Topic, int Partition), long> offsets)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        CommittedOffsetFile.Validate(offsets, nameof(offsets));
        ThrowIfReadOnly();
        var file = FileOf(group);
        lock (file.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var merged = new Dictionary<(string Topic, int Partition), long>(Current(file));
            foreach (var (key, offset) in offsets)
            {
                merged[key] = offset;
            }

            Replace(file, merged.ToFrozenDictionary());
        }
    }

    /// <summary>Returns the names of the groups that have committed offsets, in ordinal order.</summary>
    public IEnumerable<string> Groups()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var groups = new List<string>();
        if (!System.IO.Directory.Exists(Directory))
        {
            return groups;
        }

        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*" + CommittedOffsetFile.Extension))
        {
            var name = Path.GetFileName(path);
            if (name.EndsWith(CommittedOffsetFile.Extension, StringComparison.Ordinal)
                && CommittedOffsetFile.TryParseStem(name[..^CommittedOffsetFile.Extension.Length], out var group))
            {
                groups.Add(group);
            }
        }

        groups.Sort(StringComparer.Ordinal);
        return groups;
    }

    /// <summary>Durably deletes the committed offsets of <paramref name="group"/>, returning whether it had a file.</summary>
    /// <remarks>Removing the file is atomic, and the directory is flushed before this returns: a crash leaves the whole
    /// file or none of it.</remarks>
    /// <exception cref="ArgumentException"><paramref name="group"/> is empty or cannot name a file.</exception>
    /// <exception cref="IOException">Removing the file or flushing the directory failed; the file may or may not be
    /// gone after a crash.</exception>
    public bool Delete(string group)
    {
        ThrowIfReadOnly();
        var file = FileOf(group);
        lock (file.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var existed = File.Exists(file.Path);
            File.Delete(file.Path);
            file.Offsets = FrozenDictionary<(string Topic, int Partition), long>.Empty;
            LogDirectory.Sync(Directory);
            return existed;
        }
    }

    /// <summary>Durably removes every group's committed offsets on <paramref name="topic"/>, one group's file at a time.</summary>
    /// <remarks>A damaged group file is left as it is: its offsets are unknown, and the group refuses to load until it is repaired.</remarks>
    public void RemoveTopic(string topic)
    {
        ThrowIfReadOnly();
        foreach (var group in Groups())
        {
            var file = FileOf(group);
            lock (file.Gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                FrozenDictionary<(string Topic, int Partition), long> current;
                try
                {
                    current = Current(file);
                }
                catch (LogCorruptedException)
                {
                    continue;
                }

                if (current.Keys.Any(key => key.Topic == topic))
                {
                    Replace(file, current.Where(entry => entry.Key.Topic != topic).ToFrozenDictionary());
                }
            }
        }
    }

    /// <summary>Closes the store; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _disposed = true;

    private void ThrowIfReadOnly()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException($"The committed offsets in '{Directory}' are open read-only.");
        }
    }

    // Entries are never removed, so every thread that touches a group locks the same gate.
    private GroupFile FileOf(string group)
    {
        var stem = CommittedOffsetFile.Stem(group);
        return _groups.GetOrAdd(group, static (_, path) => new GroupFile(path), Path.Combine(Directory, stem + CommittedOffsetFile.Extension));
    }

    private static FrozenDictionary<(string Topic, int Partition), long> Current(GroupFile file)
    {
        if (file.Offsets is null)
        {
            try
            {
                file.Offsets = CommittedOffsetFile.Parse(file.Path, File.ReadAllBytes(file.Path));
            }
            catch (FileNotFoundException)
            {
                file.Offsets = FrozenDictionary<(string Topic, int Partition), long>.Empty;
            }
        }

        return file.Offsets;
    }

    private static void Replace(GroupFile file, FrozenDictionary<(string Topic, int Partition), long> offsets)
    {
        var content = CommittedOffsetFile.Serialize(offsets);
        var temporary = file.Path + TemporarySuffix;
        SafeFileHandle? handle = null;
        try
        {
            // FileShare.Delete lets Windows rename the file while it is open; Unix ignores it.
            handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write, FileShare.Delete);
            RandomAccess.Write(handle, content, 0);
            RandomAccess.FlushToDisk(handle);
            File.Move(temporary, file.Path, overwrite: true);
        }
        catch
        {
            handle?.Dispose();
            DeleteQuietly(temporary);
            throw;
        }

        using (handle)
        {
            // The new file is visible now, so the cache follows it even if making the rename durable fails. A failed
            // flush needs no retry of its own: the next commit writes and flushes a whole new file.
            file.Offsets = offsets;
            LogDirectory.Sync(System.IO.Path.GetDirectoryName(file.Path)!);
        }
    }

    // Cleanup after a failed write must not hide why it failed; Open deletes whatever stays behind.
    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
        }
    }

    private sealed class GroupFile(string path)
    {
        public Lock Gate { get; } = new();

        public string Path { get; } = path;

        public FrozenDictionary<(string Topic, int Partition), long>? Offsets { get; set; }
    }
}
