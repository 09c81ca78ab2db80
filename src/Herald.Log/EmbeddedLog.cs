using System.Globalization;

namespace Herald.Log;

/// <summary>
/// An embedded, durable, partitioned event log in one data directory: Kafka's model in-process. Topics hold partitions,
/// partitions hold segment files of Kafka RecordBatch v2 batches; consumer groups keep durable committed offsets.
/// </summary>
/// <remarks>
/// <para>
/// One process at a time opens a data directory for writing (a lock file enforces it); read-only opens
/// (<see cref="EmbeddedLogOptions.ReadOnly"/>) share it with each other. Opening recovers every partition: a torn tail left
/// by a crash is truncated to the last whole batch and reported in <see cref="Recoveries"/>; damage that a crash cannot
/// explain keeps only that partition from serving, reported in <see cref="Damaged"/>, while every other one opens.
/// </para>
/// </remarks>
public sealed partial class EmbeddedLog : IDisposable, IAsyncDisposable
{
    private const string GroupsDirectoryName = "__groups";
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LogTopic> _topics = new(StringComparer.Ordinal);
    private readonly List<LogRecovery> _recoveries = [];
    private readonly List<LogDamage> _damaged = [];
    private readonly List<string> _skipped = [];
    private readonly DirectoryLock _directoryLock;
    private readonly ITimer? _cleanup;
    private readonly Lock _cleanupLock = new();
    private bool _disposed;

    private EmbeddedLog(string directory, EmbeddedLogOptions options, DirectoryLock directoryLock)
    {
        Directory = directory;
        Options = options;
        _directoryLock = directoryLock;
        Groups = new Groups.ConsumerGroups(this, Path.Combine(directory, GroupsDirectoryName));
        // Retention and compaction delete and rewrite files: a read-only open, or one with cleanup off, never starts them.
        if (!options.ReadOnly && options.CleanupInterval != Timeout.InfiniteTimeSpan)
        {
            _cleanup = options.TimeProvider.CreateTimer(_ => CleanUp(), null, options.CleanupInterval, options.CleanupInterval);
        }
    }

    /// <summary>Gets the data directory, as a full path.</summary>
    public string Directory { get; }

    /// <summary>Gets the options the log was opened with.</summary>
    public EmbeddedLogOptions Options { get; }

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

    /// <summary>Gets the entries of the data directory that belong to no topic and were skipped (full paths).</summary>
    public IReadOnlyList<string> SkippedEntries => _skipped;

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

    /// <summary>Raised on the reader's thread when a reader finds a partition damaged after the log opened; it is added to <see cref="Damaged"/>.</summary>
    public event Action<LogDamage>? PartitionDamaged;

    /// <summary>Opens (creating if needed, unless read-only) the log in <paramref name="directory"/>, recovering every existing topic.</summary>
    /// <remarks>Damaged partitions and topics do not fail the open: they are listed in <see cref="Damaged"/> and refuse to serve.</remarks>
    /// <exception cref="LogDirectoryLockedException">Another process has the directory open for writing (or, opening for writing, at all).</exception>
    /// <exception cref="DirectoryNotFoundException">Read-only, and the directory does not exist.</exception>
    /// <exception cref="ArgumentException">An option is invalid, or a topic configured by name has another partition count on disk.</exception>
    public static EmbeddedLog Open(string directory, EmbeddedLogOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new EmbeddedLogOptions();
        if (options.CleanupInterval <= TimeSpan.Zero && options.CleanupInterval != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"CleanupInterval must be positive or Timeout.InfiniteTimeSpan, not {options.CleanupInterval}.", nameof(options));
        }

        var fullPath = Path.GetFullPath(directory);
        if (options.ReadOnly && !System.IO.Directory.Exists(fullPath))
        {
            throw new DirectoryNotFoundException($"Log directory '{fullPath}' does not exist.");
        }

        var directoryLock = DirectoryLock.Acquire(fullPath, shared: options.ReadOnly);
        EmbeddedLog? log = null;
        try
        {
            log = new EmbeddedLog(fullPath, options, directoryLock);
            log.OpenTopics();
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
    /// <exception cref="LogCorruptedException">The topic's file is damaged (see <see cref="Damaged"/>).</exception>
    /// <exception cref="InvalidOperationException">The log is open read-only and has no such topic.</exception>
    /// <exception cref="TopicDeletedException">The topic is being deleted (see <see cref="DeleteTopicAsync"/>).</exception>
    public LogTopic GetOrCreateTopic(string name)
    {
        LogTopic.ValidateName(name);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_topics.TryGetValue(name, out var topic))
            {
                return topic;
            }

            if (_damaged.Find(d => d.Topic == name && d.Partition < 0) is { } damage)
            {
                throw new LogCorruptedException($"{damage} Repair it with '{damage.RepairCommand(Directory)}' or move it away.");
            }

            if (_deleting.Contains(name))
            {
                throw new TopicDeletedException(name,
                    $"Topic '{name}' is being deleted; it can be created again once the deletion has completed (if the deletion failed, once the log has been reopened).");
            }

            if (Options.ReadOnly)
            {
                throw new InvalidOperationException($"The log in '{Directory}' is open read-only and has no topic '{name}'.");
            }

            var options = Options.For(name);
            options.Validate(name);
            TopicCatalog.Write(Directory, name, options.Partitions);
            return OpenTopic(name, options.Partitions);
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

    /// <summary>Runs retention and compaction on every topic now (they also run every <see cref="EmbeddedLogOptions.CleanupInterval"/>).</summary>
    public void CleanUp()
    {
        lock (_cleanupLock)
        {
            var now = Options.TimeProvider.GetUtcNow();
            foreach (var topic in Topics)
            {
                foreach (var partition in topic.Partitions)
                {
                    if (!partition.IsClosed && !partition.IsDeleted && partition.Damage is null)
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

        _cleanup?.Dispose();
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
                _released = true;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => new(Task.Run(Dispose));

    private void OpenTopics()
    {
        FinishDeletions();
        foreach (var (topic, partitions) in TopicCatalog.Load(Directory, Options.ReadOnly, _damaged))
        {
            if (!Options.ReadOnly && Options.Topics.TryGetValue(topic, out var configured) && configured.Partitions != partitions)
            {
                throw new ArgumentException(
                    $"Topic '{topic}' is configured with {configured.Partitions} partitions, but the log in '{Directory}' has it with {partitions}; " +
                    "a topic's partition count cannot change (keys would move to other partitions). Configure it with " +
                    $"{partitions}, or publish to a new topic.");
            }

            OpenTopic(topic, partitions);
        }

        foreach (var path in System.IO.Directory.EnumerateFileSystemEntries(Directory))
        {
            var name = Path.GetFileName(path);
            if (!TopicCatalog.IsOwnEntry(name) && !IsPartitionDirectory(name) && !IsDeletedPartitionDirectory(name))
            {
                _skipped.Add(path);
            }
        }
    }

    private bool IsPartitionDirectory(string name)
    {
        var dash = name.LastIndexOf('-');
        return dash > 0
            && int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            && _topics.TryGetValue(name[..dash], out var topic)
            && partition < topic.Partitions.Count
            && name == Path.GetFileName(LogTopic.PartitionDirectory(Directory, topic.Name, partition));
    }

    // The topic's partition count is durable (TopicCatalog) before this runs, so a crash part-way leaves partitions that
    // the next open completes.
    private LogTopic OpenTopic(string name, int count)
    {
        var options = Options.For(name).Clone();
        options.Partitions = count;
        options.Validate(name);
        var partitions = new LogPartition[count];
        try
        {
            for (var p = 0; p < count; p++)
            {
                partitions[p] = LogPartition.Open(name, p, LogTopic.PartitionDirectory(Directory, name, p), options, Options, _recoveries);
                partitions[p].Failed = (partition, exception) => PartitionFailed?.Invoke(partition, exception);
                partitions[p].DamageFound = (_, damage) =>
                {
                    lock (_lock)
                    {
                        _damaged.Add(damage);
                    }

                    PartitionDamaged?.Invoke(damage);
                };
                if (partitions[p].Damage is { } damage)
                {
                    _damaged.Add(damage);
                }
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
}
