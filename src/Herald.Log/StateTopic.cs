using System.Text;
using Herald.Log.Storage;

namespace Herald.Log;

/// <summary>
/// A durable map from string keys to values on a one-partition, key-compacted log topic: every change is an appended
/// record (a null value removes the key), and opening replays the topic into memory.
/// </summary>
/// <remarks>Changes are serialized, so the map always holds what the last appended record of a key says. Herald's
/// embedded transport keeps its dead letters, redelivery schedules and sequence positions in such topics. Safe to call
/// from any thread.</remarks>
public sealed class StateTopic : IDisposable
{
    private readonly EmbeddedLog? _creator;
    private readonly string? _name;
    private LogPartition? _partition;
    private readonly Dictionary<string, byte[]> _entries = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private bool _keysOnly;

    private StateTopic(LogPartition? partition, TimeProvider timeProvider, EmbeddedLog? creator = null, string? name = null)
    {
        _partition = partition;
        _creator = creator;
        _name = name;
        _timeProvider = timeProvider;
        if (partition is null || partition.Damage is not null)
        {
            // Read-only and never created, or damaged: empty; a damaged one refuses writes with its repair command.
            return;
        }

        using var reader = partition.OpenReader(partition.StartOffset);
        while (reader.TryRead(out var records))
        {
            foreach (var record in records)
            {
                var key = Encoding.UTF8.GetString(record.Key);
                if (record.HasValue)
                {
                    _entries[key] = record.Value.ToArray();
                }
                else
                {
                    _entries.Remove(key);
                }
            }
        }
    }

    /// <summary>Gets the names of the state topics Herald keeps (the embedded transport's dead letters, redelivery
    /// schedules and sequence positions; herald serve's consumer groups): whoever opens a data directory registers them
    /// with <see cref="Options"/>, so that retention never deletes what they hold, whichever process holds the directory.</summary>
    public static IReadOnlyList<string> HeraldTopics { get; } = ["__herald.dead-letters", "__herald.retries", "__herald.sequences", "__herald.groups"];

    /// <summary>Gets the options of state topics: one partition, compacted, kept until removed.</summary>
    public static TopicOptions Options => new()
    {
        Partitions = 1,
        CleanupPolicy = CleanupPolicy.Compact,
        RetentionTime = null,
        RetentionBytes = null,
        SegmentBytes = 16L * 1024 * 1024,
    };

    /// <summary>Opens <paramref name="name"/> on <paramref name="log"/> (its options registered before the log opened) and replays it.</summary>
    /// <remarks>A read-only log without the topic gives an empty map that takes no changes.</remarks>
    /// <param name="log">The open log.</param>
    /// <param name="name">The topic.</param>
    /// <param name="timeProvider">The clock that timestamps the records.</param>
    public static StateTopic Open(EmbeddedLog log, string name, TimeProvider timeProvider) =>
        log.Options.ReadOnly && !log.TryGetTopic(name, out _)
            ? new(null, timeProvider)
            : new(log.GetOrCreateTopic(name).Partitions[0], timeProvider);

    /// <summary>Opens <paramref name="name"/> on <paramref name="log"/> and replays it, creating the topic only with its first change.</summary>
    /// <remarks>For a reader that must leave the log as it found it until it is asked to change something: a missing topic
    /// reads as an empty map; on a read-only log it takes no changes.</remarks>
    /// <param name="log">The open log; a missing topic is created with the options registered for it, else the default ones.</param>
    /// <param name="name">The topic.</param>
    /// <param name="timeProvider">The clock that timestamps the records.</param>
    public static StateTopic OpenExisting(EmbeddedLog log, string name, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(log);
        return log.TryGetTopic(name, out var topic)
            ? new(topic.Partitions[0], timeProvider)
            : new(null, timeProvider, log.Options.ReadOnly ? null : log, name);
    }

    /// <summary>Gets the damage that keeps the topic from serving, if any.</summary>
    public LogDamage? Damage => _partition?.Damage;

    /// <summary>Gets the value of <paramref name="key"/>, if the map holds it.</summary>
    public bool TryGet(string key, out byte[] value)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(key, out value!);
        }
    }

    /// <summary>Returns a copy of every entry.</summary>
    public List<KeyValuePair<string, byte[]>> Entries()
    {
        lock (_lock)
        {
            return [.. _entries];
        }
    }

    /// <summary>Returns every entry, then keeps only the keys: for an owner that keeps its own parsed copy of the values.</summary>
    /// <remarks>Afterwards <see cref="TryGet"/> and <see cref="Entries"/> give empty values, and changes keep no value in memory.</remarks>
    public List<KeyValuePair<string, byte[]>> TakeEntries()
    {
        lock (_lock)
        {
            List<KeyValuePair<string, byte[]>> entries = [.. _entries];
            _keysOnly = true;
            foreach (var (key, _) in entries)
            {
                _entries[key] = [];
            }

            return entries;
        }
    }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>, or removes it when <paramref name="value"/> is null; durable when the task completes.</summary>
    /// <returns>Whether the key was present before.</returns>
    /// <exception cref="InvalidOperationException">The topic is open read-only and does not exist.</exception>
    public async ValueTask<bool> SetAsync(string key, byte[]? value, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool existed;
            lock (_lock)
            {
                existed = _entries.ContainsKey(key);
            }

            if (value is null && !existed)
            {
                return false;
            }

            var record = new LogRecord(_timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), Encoding.UTF8.GetBytes(key), value is null ? default(ReadOnlyMemory<byte>?) : value);
            await Partition.AppendAsync(record, CancellationToken.None).ConfigureAwait(false);
            lock (_lock)
            {
                if (value is null)
                {
                    _entries.Remove(key);
                }
                else
                {
                    _entries[key] = _keysOnly ? [] : value;
                }
            }

            return existed;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Sets several keys in one append (one write to disk); a null value removes its key.</summary>
    public async ValueTask SetManyAsync(IReadOnlyList<KeyValuePair<string, byte[]?>> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return;
        }

        var timestamp = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var records = new LogRecord[entries.Count];
        for (var i = 0; i < records.Length; i++)
        {
            var value = entries[i].Value;
            records[i] = new LogRecord(timestamp, Encoding.UTF8.GetBytes(entries[i].Key), value is null ? default(ReadOnlyMemory<byte>?) : value);
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Partition.AppendAsync(records, CancellationToken.None).ConfigureAwait(false);
            lock (_lock)
            {
                foreach (var (key, value) in entries)
                {
                    if (value is null)
                    {
                        _entries.Remove(key);
                    }
                    else
                    {
                        _entries[key] = _keysOnly ? [] : value;
                    }
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Releases the write gate; the log keeps the topic.</summary>
    public void Dispose() => _writeGate.Dispose();

    // Called under the write gate, so a topic created on first change is created once.
    private LogPartition Partition => _partition ??= _creator is not null
        ? _creator.GetOrCreateTopic(_name!).Partitions[0]
        : throw new InvalidOperationException("The state topic is open read-only and does not exist; nothing can be written to it.");
}
