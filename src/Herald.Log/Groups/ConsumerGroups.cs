namespace Herald.Log.Groups;

/// <summary>
/// The log's consumer groups: each group's committed offsets, kept durable in the data directory, and the group's members
/// in this process, among which each topic's partitions are balanced.
/// </summary>
/// <remarks>
/// A new group starts at each partition's oldest stored record. Commits update memory at once and reach the disk every
/// <see cref="CommitInterval"/>, when a member leaves, on <see cref="Flush"/> and when the log closes, so a crash can
/// replay at most the last interval's events to the group (at-least-once). <see cref="CommitOffsets"/> (a Kafka client's
/// commit, through <c>herald serve</c>) writes before it returns. Herald's groups and Kafka clients' groups share one
/// namespace: a group's committed offsets are the same whichever side commits them.
/// </remarks>
public sealed partial class ConsumerGroups : IDisposable
{
    private readonly Lock _lock = new();

    // Held across a flush's snapshot and its writes, so flushes run one at a time: no snapshot reaches the disk after
    // a newer one, and a flush that finds nothing dirty still waits for the writes of the flush before it. Taken
    // before _lock, never inside it, so commits wait for a snapshot at most, never for the disk. Guards _closed.
    private readonly Lock _flushGate = new();
    private readonly EmbeddedLog _log;
    private readonly string _directory;
    private readonly Dictionary<string, GroupState> _groups = new(StringComparer.Ordinal);
    private readonly ITimer _flushTimer;
    private CommittedOffsetStore? _store;
    private bool _disposed;
    private bool _closed;

    internal ConsumerGroups(EmbeddedLog log, string directory)
    {
        _log = log;
        _directory = directory;
        _flushTimer = log.Options.TimeProvider.CreateTimer(_ => FlushQuietly(), null, CommitInterval, CommitInterval);
    }

    /// <summary>Gets how often committed offsets reach the disk. One second.</summary>
    public static TimeSpan CommitInterval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the names of the groups with committed offsets.</summary>
    public IReadOnlyCollection<string> Names
    {
        get
        {
            lock (_lock)
            {
                var names = new SortedSet<string>(Store.Groups(), StringComparer.Ordinal);
                names.UnionWith(_groups.Keys);
                return names;
            }
        }
    }

    private CommittedOffsetStore Store => _store ??= CommittedOffsetStore.Open(_directory, _log.Options.ReadOnly);

    /// <summary>Adds a member to <paramref name="group"/> for <paramref name="topic"/> and rebalances the topic's partitions across the group's members.</summary>
    public GroupMember Join(string topic, string group)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        var logTopic = _log.GetOrCreateTopic(topic);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var state = GetState(group);
            var member = new GroupMember(this, state, logTopic);
            state.Members(topic).Add(member);
            Rebalance(state, logTopic);
            return member;
        }
    }

    /// <summary>Returns the committed offset of <paramref name="group"/> on a partition: the next offset it will read, or -1 when it has none.</summary>
    public long GetCommittedOffset(string group, string topic, int partition)
    {
        lock (_lock)
        {
            // A group that is not open here is read, not remembered: asking about many names (a client's OffsetFetch,
            // a lag query) leaves nothing behind.
            var committed = _groups.TryGetValue(group, out var state) ? state.Committed : Visible(Store.Load(group));
            return committed.TryGetValue((topic, partition), out var offset) ? offset : -1;
        }
    }

    /// <summary>Returns the records of <paramref name="topic"/> that <paramref name="group"/> has not committed yet, over all partitions that serve.</summary>
    public long GetLag(string group, string topic)
    {
        if (!_log.TryGetTopic(topic, out var logTopic))
        {
            return 0;
        }

        long lag = 0;
        foreach (var partition in logTopic.Partitions)
        {
            // A damaged partition's end is unknown until it is repaired: it counts no lag rather than a made-up one.
            if (partition.Damage is null)
            {
                var committed = GetCommittedOffset(group, topic, partition.Id);
                lag += Math.Max(0, partition.EndOffset - Math.Max(committed, partition.StartOffset));
            }
        }

        return lag;
    }

    /// <summary>Sets a group's committed offset on a partition (for tools that reset or rewind a group); members of the group re-read from it.</summary>
    public void ResetOffset(string group, string topic, int partition, long offset)
    {
        var logTopic = _log.GetOrCreateTopic(topic);
        lock (_lock)
        {
            var state = GetState(group);
            state.Committed[(topic, partition)] = offset;
            state.Dirty = true;
            Rebalance(state, logTopic, force: true);
        }

        Flush();
    }

    /// <summary>Writes every group's changed committed offsets to disk now, returning once every commit made before the call is there.</summary>
    /// <remarks>Does nothing once the groups are disposed: disposing wrote them.</remarks>
    /// <exception cref="IOException">Writing failed; the offsets not written stay changed, and the next flush writes them.</exception>
    public void Flush()
    {
        lock (_flushGate)
        {
            if (_closed)
            {
                return;
            }

            List<(GroupState State, Dictionary<(string Topic, int Partition), long> Offsets)> dirty = [];
            lock (_lock)
            {
                foreach (var state in _groups.Values)
                {
                    if (state.Dirty)
                    {
                        dirty.Add((state, new Dictionary<(string Topic, int Partition), long>(state.Committed)));
                        state.Dirty = false;
                    }
                }
            }

            for (var i = 0; i < dirty.Count; i++)
            {
                try
                {
                    Store.Commit(dirty[i].State.Name, dirty[i].Offsets);
                }
                catch
                {
                    // Only the dirty flag comes back, not this snapshot: the retry snapshots memory again, which holds
                    // these offsets or newer ones.
                    lock (_lock)
                    {
                        foreach (var (state, _) in dirty[i..])
                        {
                            state.Dirty = true;
                        }
                    }

                    throw;
                }
            }
        }
    }

    /// <summary>Writes the committed offsets a last time and closes their store; later flushes do nothing.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        // Disposing the timer does not wait for a tick that is running; the gate does. The final flush waits for that
        // tick's writes, and closing under the gate keeps any later tick away from the store.
        _flushTimer.Dispose();
        try
        {
            Flush();
        }
        finally
        {
            lock (_flushGate)
            {
                _closed = true;
                _store?.Dispose();
            }
        }
    }

    internal void Commit(GroupMember member, int partition, long nextOffset)
    {
        lock (_lock)
        {
            if (member.Owns(partition))
            {
                var key = (member.Topic.Name, partition);
                if (!member.State.Committed.TryGetValue(key, out var current) || nextOffset > current)
                {
                    member.State.Committed[key] = nextOffset;
                    member.State.Dirty = true;
                }
            }
        }
    }

    internal static long StartOffset(GroupState state, LogPartition partition) =>
        state.Committed.TryGetValue((partition.Topic, partition.Id), out var offset) ? Math.Max(offset, partition.StartOffset) : partition.StartOffset;

    internal void Leave(GroupMember member)
    {
        lock (_lock)
        {
            if (member.State.Members(member.Topic.Name).Remove(member))
            {
                Rebalance(member.State, member.Topic);
            }
        }

        FlushQuietly();
    }

    private GroupState GetState(string group)
    {
        if (!_groups.TryGetValue(group, out var state))
        {
            state = new GroupState(group);
            foreach (var (key, offset) in Visible(Store.Load(group)))
            {
                state.Committed[key] = offset;
            }

            _groups.Add(group, state);
        }

        return state;
    }

    private static void Rebalance(GroupState state, LogTopic topic, bool force = false)
    {
        var members = state.Members(topic.Name);
        var assignments = new List<int>[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            assignments[i] = [];
        }

        for (var p = 0; p < topic.Partitions.Count && members.Count > 0; p++)
        {
            assignments[p % members.Count].Add(p);
        }

        for (var i = 0; i < members.Count; i++)
        {
            members[i].Assign(assignments[i], force);
        }
    }

    private void FlushQuietly()
    {
        try
        {
            Flush();
        }
        catch (IOException)
        {
            // Flush left the unwritten groups dirty: the next interval, Leave, Flush or Dispose writes them.
        }
    }
}
