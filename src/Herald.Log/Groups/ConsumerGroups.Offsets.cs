namespace Herald.Log.Groups;

/// <summary>Committed offsets set from outside the process's members: a Kafka client's commit, through <c>herald serve</c>.</summary>
public sealed partial class ConsumerGroups
{
    /// <summary>Sets a group's committed offsets on several partitions at once, as a Kafka client's commit does, and
    /// returns once they are on disk.</summary>
    /// <remarks>The partitions not named keep their offsets. Unlike <see cref="GroupMember.Commit"/>, an offset may move
    /// backwards; members of the group in this process re-read from the new offsets, as after <see cref="ResetOffset"/>.
    /// As Kafka's OffsetCommit, only partitions the log has take offsets: a topic deleted before the commit takes none,
    /// and one deleted after it takes its offsets along.</remarks>
    /// <exception cref="ArgumentException">The group cannot be named (see <see cref="IsValidName"/>), a topic is empty or
    /// a partition or offset negative, or the log has no such topic or partition; nothing was committed.</exception>
    /// <exception cref="IOException">Writing failed: the offsets hold in memory and a later flush retries them, but a crash
    /// before then loses them.</exception>
    public void CommitOffsets(string group, IReadOnlyDictionary<(string Topic, int Partition), long> offsets)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        CommittedOffsetFile.Stem(group);
        CommittedOffsetFile.Validate(offsets, nameof(offsets));
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // Checked under the lock a topic's deletion takes to remove its offsets (after the topic left the log): an
            // offset this lets through is there for the deletion to remove, and none can follow the deletion.
            foreach (var (topic, partition) in offsets.Keys)
            {
                if (!_log.TryGetTopic(topic, out var logTopic) || partition >= logTopic.Partitions.Count)
                {
                    throw new ArgumentException($"The log has no partition {partition} of topic '{topic}': offsets are committed on existing partitions only.", nameof(offsets));
                }
            }

            var state = GetState(group);
            foreach (var (key, offset) in offsets)
            {
                state.Committed[key] = offset;
            }

            state.Dirty = true;
            foreach (var topic in offsets.Keys.Select(k => k.Topic).Distinct(StringComparer.Ordinal))
            {
                if (state.TryGetMembers(topic, out var members) && members.Count > 0)
                {
                    Rebalance(state, members[0].Topic, force: true);
                }
            }
        }

        Flush();
    }

    /// <summary>Returns every committed offset of <paramref name="group"/>, by topic and partition; empty when it has none.</summary>
    /// <remarks>Asking about a group does not make it one: <see cref="Names"/> lists it only once it has offsets or members.</remarks>
    /// <exception cref="ArgumentException">The group cannot be named (see <see cref="IsValidName"/>).</exception>
    /// <exception cref="LogCorruptedException">The group's offsets file is damaged.</exception>
    public IReadOnlyDictionary<(string Topic, int Partition), long> GetCommittedOffsets(string group)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new Dictionary<(string Topic, int Partition), long>(_groups.TryGetValue(group, out var state) ? state.Committed : Visible(Store.Load(group)));
        }
    }

    /// <summary>Returns whether <paramref name="group"/> can name a consumer group: its committed offsets are a file
    /// named after it, so it must be non-empty, valid UTF-16, and at most 240 characters once escaped (a character other
    /// than <c>a-z 0-9 . _ -</c> counts three per UTF-8 byte).</summary>
    public static bool IsValidName(string group)
    {
        try
        {
            CommittedOffsetFile.Stem(group);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
