using System.Globalization;

namespace Herald.Log;

/// <summary>
/// An embedded, durable, partitioned event log in one data directory: Kafka's model in-process. Topics hold partitions,
/// partitions hold segment files of Kafka RecordBatch v2 batches; consumer groups keep durable committed offsets.
/// </summary>
/// <remarks>
/// One process at a time opens a data directory (a lock file enforces it). Opening recovers every partition: a torn
/// tail left by a crash is truncated to the last whole batch and reported in <see cref="Recoveries"/>; corruption that
/// a crash cannot explain refuses to open with <see cref="LogCorruptedException"/> naming the file and byte offset.
/// </remarks>
public sealed class EventLog : IDisposable, IAsyncDisposable
{
    private const string GroupsDirectoryName = "__groups";
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LogTopic> _topics = new(StringComparer.Ordinal);
    private readonly List<LogRecovery> _recoveries = [];
    private readonly List<LogDamage> _damaged = [];
    private readonly DirectoryLock _directoryLock;
    private readonly ITimer _cleanup;
    private readonly Lock _cleanupLock = new();
    private bool _disposed;

    private EventLog(string directory, EventLogOptions options, DirectoryLock directoryLock)
    {
        Directory = directory;
        Options = options;
        _directoryLock = directoryLock;
        Groups = new Groups.ConsumerGroups(this, Path.Combine(directory, GroupsDirectoryName));
        _cleanup = options.TimeProvider.CreateTimer(_ => CleanUp(), null, options.CleanupInterval, options.CleanupInterval);
    }

    /// <summary>Gets the data directory, as a full path.</summary>
    public string Directory { get; }

    /// <summary>Gets the options the log was opened with.</summary>
    public EventLogOptions Options { get; }

    /// <summary>Gets the torn tails that opening the log truncated.</summary>
    public IReadOnlyList<LogRecovery> Recoveries => _recoveries;

    /// <summary>Gets the partitions and topics that opening found damaged: they refuse appends and reads until repaired.</summary>
    public IReadOnlyList<LogDamage> Damaged
    {
        get
        {
            lock (_lock)
            {
                return [.. _damaged];
            }
        }
    }

    /// <summary>Gets the consumer groups and their committed offsets.</summary>
    public Groups.ConsumerGroups Groups { get; }

    /// <summary>Gets the open topics.</summary>
    public IReadOnlyCollection<LogTopic> Topics
    {
        get
        {
            lock (_lock)
            {
                return [.. _topics.Values];
            }
        }
    }

    /// <summary>Raised on the writer's thread when a partition fails to write or fsync; the partition accepts no more appends.</summary>
    public event Action<LogPartition, Exception>? PartitionFailed;

    /// <summary>Opens (creating if needed) the log in <paramref name="directory"/>, recovering every existing topic.</summary>
    /// <exception cref="LogDirectoryLockedException">Another process has the directory open.</exception>
    /// <exception cref="LogCorruptedException">A segment holds corruption a crash cannot explain.</exception>
    public static EventLog Open(string directory, EventLogOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new EventLogOptions();
        if (options.CleanupInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"CleanupInterval must be positive, not {options.CleanupInterval}.", nameof(options));
        }

        var fullPath = Path.GetFullPath(directory);
        var directoryLock = DirectoryLock.Acquire(fullPath);
        EventLog? log = null;
        try
        {
            log = new EventLog(fullPath, options, directoryLock);
            foreach (var (topic, partitions) in FindTopics(fullPath))
            {
                log.OpenTopic(topic, partitions);
            }

            return log;
        }
        catch
        {
            if (log is not null)
            {
                log.Dispose();
            }
            else
            {
                directoryLock.Dispose();
            }

            throw;
        }
    }

    /// <summary>Returns the topic named <paramref name="name"/>, creating it with its options when it does not exist.</summary>
    /// <exception cref="ArgumentException">The name is not a valid topic name, or the topic's options are invalid.</exception>
    public LogTopic GetOrCreateTopic(string name)
    {
        LogTopic.ValidateName(name);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _topics.TryGetValue(name, out var topic) ? topic : OpenTopic(name, 0);
        }
    }

    /// <summary>Returns the topic named <paramref name="name"/> if it exists.</summary>
    public bool TryGetTopic(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LogTopic? topic)
    {
        lock (_lock)
        {
            return _topics.TryGetValue(name, out topic);
        }
    }

    /// <summary>Runs retention and compaction on every topic now (they also run every <see cref="EventLogOptions.CleanupInterval"/>).</summary>
    public void CleanUp()
    {
        lock (_cleanupLock)
        {
            var now = Options.TimeProvider.GetUtcNow();
            foreach (var topic in Topics)
            {
                foreach (var partition in topic.Partitions)
                {
                    if (!partition.IsClosed)
                    {
                        partition.CleanUp(now);
                    }
                }
            }
        }
    }

    /// <summary>Closes every topic after its writers have written and flushed what is pending, then releases the directory.</summary>
    public void Dispose()
    {
        LogTopic[] topics;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            topics = [.. _topics.Values];
        }

        _cleanup.Dispose();
        lock (_cleanupLock)
        {
            try
            {
                Groups.Dispose();
                foreach (var topic in topics)
                {
                    topic.Dispose();
                }
            }
            finally
            {
                _directoryLock.Dispose();
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => new(Task.Run(Dispose));

    private LogTopic OpenTopic(string name, int partitionsOnDisk)
    {
        var options = Options.For(name).Clone();
        options.Validate(name);
        var count = partitionsOnDisk > 0 ? partitionsOnDisk : options.Partitions;
        var partitions = new LogPartition[count];
        try
        {
            for (var p = 0; p < count; p++)
            {
                partitions[p] = LogPartition.Open(name, p, LogTopic.PartitionDirectory(Directory, name, p), options, Options.TimeProvider, _recoveries);
                partitions[p].Failed = (partition, exception) => PartitionFailed?.Invoke(partition, exception);
            }
        }
        catch
        {
            foreach (var partition in partitions)
            {
                partition?.Dispose();
            }

            throw;
        }

        var topic = new LogTopic(name, options, partitions);
        _topics.Add(name, topic);
        return topic;
    }

    private static IEnumerable<(string Topic, int Partitions)> FindTopics(string directory)
    {
        var found = new Dictionary<string, SortedSet<int>>(StringComparer.Ordinal);
        foreach (var path in System.IO.Directory.EnumerateDirectories(directory))
        {
            var name = Path.GetFileName(path);
            var dash = name.LastIndexOf('-');
            if (dash <= 0 || !int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
            {
                continue;
            }

            var topic = name[..dash];
            if (!found.TryGetValue(topic, out var partitions))
            {
                found.Add(topic, partitions = []);
            }

            partitions.Add(partition);
        }

        foreach (var (topic, partitions) in found)
        {
            if (partitions.Min != 0 || partitions.Max != partitions.Count - 1)
            {
                throw new LogCorruptedException(
                    $"Topic '{topic}' in '{directory}' has partition directories {string.Join(", ", partitions)}; they must be numbered 0 to {partitions.Count - 1} without gaps.");
            }

            yield return (topic, partitions.Count);
        }
    }
}
