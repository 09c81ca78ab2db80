namespace Herald.RabbitMQ.Internal;

/// <summary>The members of one consumer group on one topic in this process, and the partitions they share.</summary>
/// <remarks>
/// The process consumes the partitions whose locks it holds (<see cref="RabbitMQLeases"/>, which spreads them over the
/// processes of the group); the k-th of them, in partition order, goes to member <c>k mod members</c>, rebalanced
/// when a member joins or leaves or a lock is taken or given up. Each partition queue also has a single active
/// consumer, so even a process that still consumes a partition it lost waits behind the new holder: order holds.
/// </remarks>
#pragma warning disable CA1001 // The semaphore never allocates a wait handle (only WaitAsync is used): nothing to dispose.
internal sealed class RabbitMQGroup
#pragma warning restore CA1001
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<RabbitMQListener> _members = [];
    private readonly SortedSet<int> _owned = [];
    private readonly RabbitMQLeases _leases;
    private readonly string _prefix;
    private readonly string _topic;
    private readonly string _group;

    public RabbitMQGroup(RabbitMQTransportOptions options, string topic, string group, TimeProvider timeProvider, UnreadableMessages unreadable)
    {
        (_prefix, _topic, _group) = (options.NamePrefix, topic, group);
        Unreadable = unreadable;
        Partitions = Enumerable.Range(0, options.Partitions).Select(_ => new PartitionState()).ToArray();
        _leases = new RabbitMQLeases(this, options, timeProvider);
    }

    /// <summary>Gets where the group's consumers dead-letter messages that are not CloudEvents.</summary>
    public UnreadableMessages Unreadable { get; }

    /// <summary>Gets the state of each partition, by partition number.</summary>
    public PartitionState[] Partitions { get; }

    public int PartitionCount => Partitions.Length;

    /// <summary>Gets how many members the group has in this process.</summary>
    public int MemberCount
    {
        get
        {
            lock (_members)
            {
                return _members.Count;
            }
        }
    }

    public string Presence => Names.Presence(_prefix, _topic, _group);

    public string Queue(int partition) => Names.Queue(_prefix, _topic, _group, partition);

    public string Lock(int partition) => Names.Lock(_prefix, _topic, _group, partition);

    public async Task JoinAsync(RabbitMQListener member, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            lock (_members)
            {
                _members.Add(member);
            }

            if (_members.Count == 1)
            {
                _leases.Start();
            }

            await RebalanceAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task LeaveAsync(RabbitMQListener member)
    {
        Task stopped = Task.CompletedTask;
        await _gate.WaitAsync();
        try
        {
            bool removed;
            lock (_members)
            {
                removed = _members.Remove(member);
            }

            if (removed)
            {
                await RebalanceAsync(CancellationToken.None);
                if (_members.Count == 0)
                {
                    stopped = _leases.Stop();
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        // Outside the gate: giving the partitions back takes it.
        await stopped;
    }

    /// <summary>Stops taking partitions and gives back what the process holds: the transport is closing.</summary>
    public async Task CloseAsync()
    {
        Task stopped;
        await _gate.WaitAsync();
        try
        {
            stopped = _leases.Stop();
        }
        finally
        {
            _gate.Release();
        }

        await stopped;
    }

    /// <summary>Gives a partition whose lock the process took to a member.</summary>
    public async Task AcquireAsync(int partition, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _owned.Add(partition);
            await RebalanceAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Takes a partition from its member; returns once the member's consumer is closed and its deliveries returned.</summary>
    public async Task ReleaseAsync(int partition)
    {
        await _gate.WaitAsync();
        try
        {
            if (_owned.Remove(partition))
            {
                await RebalanceAsync(CancellationToken.None);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RebalanceAsync(CancellationToken cancellationToken)
    {
        var owned = _owned.ToList();
        for (var i = 0; i < _members.Count; i++)
        {
            var mine = owned.Where((_, k) => k % _members.Count == i).ToHashSet();
            await _members[i].AssignAsync(mine, cancellationToken);
        }
    }
}
