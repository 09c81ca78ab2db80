namespace Herald.Nats.Internal;

/// <summary>The members of one consumer group on one topic in this process, the partitions the process holds leases on, and which member owns which.</summary>
/// <remarks>
/// JetStream 2.9 has no consumer groups for pull consumers (no single active consumer), so ownership is Herald's, in
/// two steps. Across processes a partition belongs to the process that holds its lease (<see cref="NatsLeases"/>);
/// within the process a leased partition belongs to member <c>p % members</c>, and only its owner pulls from the
/// partition's durable consumer. A partition that moves is pulled by its new owner only after the old one has handed
/// back (NAKed, in order) what it held, so the new owner sees the partition's events in order: within the process
/// through <see cref="NatsGroupPartition.Released"/>, across processes because a lease is given up only after that.
/// </remarks>
internal sealed class NatsGroup
{
    private readonly Lock _sync = new();
    private readonly List<NatsListener> _members = [];
    private readonly NatsGroupPartition[] _partitions;
    private readonly NatsLeases _leases;

    public NatsGroup(NatsTopic topic, string name, NatsBucket leaseBucket, string process)
    {
        Topic = topic;
        Name = name;
        _partitions = new NatsGroupPartition[topic.PartitionCount];
        for (var i = 0; i < _partitions.Length; i++)
        {
            _partitions[i] = new NatsGroupPartition(i);
        }

        _leases = new NatsLeases(this, leaseBucket, process);
    }

    public NatsTopic Topic { get; }

    public string Name { get; }

    public int MemberCount
    {
        get
        {
            lock (_sync)
            {
                return _members.Count;
            }
        }
    }

    public NatsGroupPartition Partition(int partition) => _partitions[partition];

    public NatsListener Join()
    {
        lock (_sync)
        {
            var listener = new NatsListener(this);
            _members.Add(listener);
            if (_members.Count == 1)
            {
                _leases.Start();
            }

            Assign();
            return listener;
        }
    }

    /// <summary>Removes a member; completes once what it held is handed back and, when it was the last one, the process's leases are given up.</summary>
    public Task LeaveAsync(NatsListener listener)
    {
        lock (_sync)
        {
            if (!_members.Remove(listener))
            {
                return Task.CompletedTask;
            }

            var released = new List<Task>();
            foreach (var partition in _partitions)
            {
                if (partition.Owner?.Listener == listener)
                {
                    released.Add(partition.Owner.Stop());
                    partition.Released = released[^1];
                    partition.Owner = null;
                }
            }

            Assign();
            if (_members.Count == 0)
            {
                released.Add(_leases.Stop());
            }

            return Task.WhenAll(released);
        }
    }

    /// <summary>Stops every member's readers and gives the leases up: the transport is closing.</summary>
    public Task CloseAsync()
    {
        lock (_sync)
        {
            return _leases.Stop();
        }
    }

    /// <summary>Returns the partitions this process holds leases on.</summary>
    public List<int> Leased()
    {
        lock (_sync)
        {
            return [.. _partitions.Where(p => p.Leased).Select(p => p.Partition)];
        }
    }

    /// <summary>Records a lease taken and gives the partition to its member.</summary>
    public void Acquired(int partition, ulong revision, DateTimeOffset at)
    {
        lock (_sync)
        {
            var shared = _partitions[partition];
            shared.Leased = true;
            shared.LeaseRevision = revision;
            shared.RenewedAt = at;
            Assign();
        }
    }

    /// <summary>Takes a partition from its member; the task completes once what the member held is handed back.</summary>
    public Task Relinquish(int partition)
    {
        lock (_sync)
        {
            var shared = _partitions[partition];
            shared.Leased = false;
            Assign();
            return shared.Released;
        }
    }

    /// <summary>Moves every partition whose owner is not the one its number maps to. Caller holds the lock.</summary>
    private void Assign()
    {
        foreach (var partition in _partitions)
        {
            var wanted = _members.Count == 0 || !partition.Leased ? null : _members[partition.Partition % _members.Count];
            if (partition.Owner?.Listener == wanted)
            {
                continue;
            }

            if (partition.Owner is { } previous)
            {
                partition.Released = previous.Stop();
            }

            partition.Owner = wanted?.Start(partition, partition.Released);
        }
    }
}
