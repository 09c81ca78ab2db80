namespace Herald.Log.Groups;

/// <summary>
/// One member of a consumer group on one topic: the partitions the group gives it, where each starts, and its commits.
/// The member reads its partitions with readers of its own and commits the offset after the last record it handled.
/// </summary>
/// <remarks>
/// When members join or leave, partitions move between them: <see cref="Assignment"/> changes and
/// <see cref="AssignmentChanged"/> completes. A partition taken from a member stops accepting its commits at once,
/// and the new owner starts at the group's committed offset, so events in flight when it moved are handled again
/// (at-least-once). Dispose to leave the group: the member's commits are flushed and its partitions given back.
/// </remarks>
public sealed class GroupMember : IDisposable
{
    private readonly ConsumerGroups _groups;
    private PartitionAssignment _assignment = new(0, []);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    internal GroupMember(ConsumerGroups groups, GroupState state, LogTopic topic)
    {
        _groups = groups;
        State = state;
        Topic = topic;
    }

    /// <summary>Gets the group's name.</summary>
    public string Group => State.Name;

    /// <summary>Gets the topic.</summary>
    public LogTopic Topic { get; }

    /// <summary>Gets the member's current partitions.</summary>
    public PartitionAssignment Assignment => Volatile.Read(ref _assignment);

    /// <summary>Gets a task that completes when <see cref="Assignment"/> next changes or the member leaves.</summary>
    public Task AssignmentChanged => Volatile.Read(ref _changed).Task;

    /// <summary>Gets a value indicating whether the member has left the group.</summary>
    public bool HasLeft => Volatile.Read(ref _disposed) != 0;

    internal GroupState State { get; }

    /// <summary>Commits <paramref name="nextOffset"/> (the offset after the last handled record) on a partition the member owns; ignored if the partition has moved on.</summary>
    public void Commit(int partition, long nextOffset) => _groups.Commit(this, partition, nextOffset);

    /// <summary>Leaves the group: flushes the commits and rebalances the partitions across the remaining members.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _groups.Leave(this);
            Volatile.Write(ref _assignment, new PartitionAssignment(_assignment.Version + 1, []));
            _changed.TrySetResult();
        }
    }

    internal bool Owns(int partition)
    {
        foreach (var assigned in Volatile.Read(ref _assignment).Partitions)
        {
            if (assigned.Partition.Id == partition)
            {
                return true;
            }
        }

        return false;
    }

    // Called under the ConsumerGroups lock.
    internal void Assign(List<int> partitions, bool force)
    {
        var current = _assignment;
        if (!force && current.Partitions.Count == partitions.Count && current.Partitions.Select(p => p.Partition.Id).SequenceEqual(partitions))
        {
            return;
        }

        var assigned = new AssignedPartition[partitions.Count];
        for (var i = 0; i < partitions.Count; i++)
        {
            var partition = Topic.Partitions[partitions[i]];
            assigned[i] = new AssignedPartition(partition, ConsumerGroups.StartOffset(State, partition));
        }

        Volatile.Write(ref _assignment, new PartitionAssignment(current.Version + 1, assigned));
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}

/// <summary>A member's partitions at one point of the group's life.</summary>
/// <param name="Version">Grows with every change of the member's partitions.</param>
/// <param name="Partitions">The partitions and where the member starts reading each.</param>
public sealed record PartitionAssignment(int Version, IReadOnlyList<AssignedPartition> Partitions);

/// <summary>A partition given to a member and the group's committed offset on it when it was given.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="StartOffset">Where the member starts reading: the group's committed offset, or the partition's start.</param>
public sealed record AssignedPartition(LogPartition Partition, long StartOffset);
