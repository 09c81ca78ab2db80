namespace Herald.Transports.Partitioned;

/// <summary>
/// One consumer group on one topic in this process: its members, its partitions' slots, and the spreading of the
/// partitions this process holds over the members.
/// </summary>
/// <remarks>
/// One lock guards the slots and the members: receiving, settling and rebalancing all take it, so a settlement always
/// sees the generation its partition is in. Joining and leaving are serialized by the transport, outside this lock.
/// </remarks>
internal sealed class PartitionedGroup
{
    private readonly List<PartitionedListener> _members = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PartitionedGroup(string topic, string name, int partitionCount, PartitionGroupSource source, TimeProvider timeProvider)
    {
        Topic = topic;
        Name = name;
        Source = source;
        TimeProvider = timeProvider;
        Slots = new PartitionSlot[partitionCount];
        for (var p = 0; p < partitionCount; p++)
        {
            Slots[p] = new PartitionSlot(p);
        }
    }

    public Lock Sync { get; } = new();

    public string Topic { get; }

    public string Name { get; }

    public PartitionGroupSource Source { get; }

    public TimeProvider TimeProvider { get; }

    public PartitionSlot[] Slots { get; }

    public PartitionLeases? Leases { get; set; }

    public int MemberCount
    {
        get
        {
            lock (Sync)
            {
                return _members.Count;
            }
        }
    }

    /// <summary>Gets a task that completes when the partitions next move between members.</summary>
    public Task Changed => _changed.Task;

    public void Join(PartitionedListener member)
    {
        lock (Sync)
        {
            _members.Add(member);
            Rebalance();
        }
    }

    /// <summary>Removes a member; returns how many are left.</summary>
    public int Leave(PartitionedListener member)
    {
        lock (Sync)
        {
            if (_members.Remove(member))
            {
                Rebalance();
            }

            return _members.Count;
        }
    }

    public async ValueTask AcquireAsync(int partition, CancellationToken cancellationToken)
    {
        lock (Sync)
        {
            if (Slots[partition].Cursor is not null)
            {
                return;
            }
        }

        var cursor = await Source.OpenAsync(partition, cancellationToken).ConfigureAwait(false);
        lock (Sync)
        {
            Slots[partition].Attach(cursor);
            Rebalance();
        }
    }

    /// <summary>Stops handing <paramref name="partition"/> out; true once what is in flight settled, false after <paramref name="timeout"/>.</summary>
    public async Task<bool> DrainAsync(int partition, TimeSpan timeout)
    {
        Task drained;
        lock (Sync)
        {
            drained = Slots[partition].Cursor is null ? Task.CompletedTask : Slots[partition].Drain();
        }

        if (!drained.IsCompleted)
        {
            await drained.WaitAsync(timeout, TimeProvider).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return drained.IsCompleted;
    }

    public async ValueTask ReleaseAsync(int partition)
    {
        PartitionCursor? cursor;
        lock (Sync)
        {
            cursor = Slots[partition].Detach();
            Rebalance();
        }

        if (cursor is not null)
        {
            await cursor.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes every cursor and the group's source: the last member left.</summary>
    public async ValueTask CloseAsync()
    {
        if (Leases is { } leases)
        {
            await leases.StopAsync().ConfigureAwait(false);
        }

        for (var p = 0; p < Slots.Length; p++)
        {
            await ReleaseAsync(p).ConfigureAwait(false);
        }

        await Source.DisposeAsync().ConfigureAwait(false);
    }

    // Under Sync: the held partitions go round the members in order, as Kafka's range of one topic does; a partition that
    // changes member restarts at the committed position.
    private void Rebalance()
    {
        var held = 0;
        foreach (var slot in Slots)
        {
            var owner = slot.Cursor is null || _members.Count == 0 ? null : _members[held++ % _members.Count];
            if (!ReferenceEquals(owner, slot.Owner))
            {
                slot.Assign(owner);
            }
        }

        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }
}
