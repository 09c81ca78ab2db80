using Herald.Log;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Internal.Groups;

/// <summary>Keeps each stable group's record (see <see cref="ClassicGroupRecord"/>) in the compacted state topic
/// <see cref="TopicName"/>, keyed by group id; a group that becomes empty gets a tombstone.</summary>
/// <remarks>
/// <para><see cref="Save"/> only queues: the coordinator calls it under its lock, which must not wait for a disk. One
/// writer appends what is queued, the latest record of each group, in order; a group saved twice before the writer
/// runs is written once. A crash loses at most the records still queued: the group then loads at its previous stable
/// generation (or not at all), and members of a later generation get ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID and rejoin,
/// as they did when groups lived only in memory. A torn append is cut off by the log's recovery, which leaves the
/// previous record of the group.</para>
/// <para>The topic is created with its first record. Thread-safe.</para>
/// </remarks>
internal sealed class GroupStore : IAsyncDisposable
{
    /// <summary>The state topic of herald serve's consumer groups.</summary>
    public const string TopicName = "__herald.groups";

    private readonly StateTopic _topic;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, byte[]?> _queued = new(StringComparer.Ordinal);
    private readonly HashSet<string> _stored = new(StringComparer.Ordinal);
    private Task _writing = Task.CompletedTask;
    private bool _writerRunning;

    private GroupStore(StateTopic topic, ILogger logger) => (_topic, _logger) = (topic, logger);

    /// <summary>Opens the store on <paramref name="log"/> and replays it, or returns null when the topic cannot be read;
    /// a damaged topic reads as empty and takes no records (each save logs a warning). Either way the groups then live
    /// in memory only, and the server starts.</summary>
    public static GroupStore? Open(EmbeddedLog log, ILogger logger)
    {
        StateTopic topic;
        try
        {
            topic = StateTopic.OpenExisting(log, TopicName, log.Options.TimeProvider);
        }
        catch (IOException e)
        {
            ServerLog.GroupStoreDamaged(logger, TopicName, e.Message);
            return null;
        }

        if (topic.Damage is { } damage)
        {
            ServerLog.GroupStoreDamaged(logger, TopicName, damage.Problem);
        }

        return new GroupStore(topic, logger);
    }

    /// <summary>Returns every group's record once, for the coordinator to load; the store keeps only the group ids.</summary>
    public List<KeyValuePair<string, byte[]>> TakeRecords()
    {
        var records = _topic.TakeEntries();
        lock (_lock)
        {
            _stored.UnionWith(records.Select(r => r.Key));
        }

        return records;
    }

    /// <summary>Queues <paramref name="record"/> as the group's, or its removal when null (nothing is written for a group
    /// that has no record).</summary>
    public void Save(string group, byte[]? record)
    {
        lock (_lock)
        {
            // The ids stored are those whose last queued record is not a removal.
            if (record is null && !_stored.Remove(group))
            {
                return;
            }

            if (record is not null)
            {
                _stored.Add(group);
            }

            _queued[group] = record;
            if (!_writerRunning)
            {
                _writerRunning = true;
                _writing = Task.Run(WriteAsync);
            }
        }
    }

    /// <summary>Waits for every queued record to be written (or to fail), then releases the topic.</summary>
    public async ValueTask DisposeAsync()
    {
        while (true)
        {
            Task writing;
            lock (_lock)
            {
                writing = _writing;
                if (!_writerRunning)
                {
                    break;
                }
            }

            await writing.ConfigureAwait(false);
        }

        _topic.Dispose();
    }

    private async Task WriteAsync()
    {
        while (true)
        {
            List<KeyValuePair<string, byte[]?>> batch;
            lock (_lock)
            {
                if (_queued.Count == 0)
                {
                    _writerRunning = false;
                    return;
                }

                batch = [.. _queued];
                _queued.Clear();
            }

            try
            {
                await _topic.SetManyAsync(batch, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // The groups go on in memory; after a restart their members rejoin, as without the store.
                ServerLog.GroupsNotSaved(_logger, string.Join(", ", batch.Select(b => b.Key)), e);
            }
        }
    }
}
