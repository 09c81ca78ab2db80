namespace Herald.RabbitMQ.Internal;

/// <summary>The members of one consumer group on one topic in this process, and the partitions they share.</summary>
/// <remarks>
/// Partition <c>p</c> goes to member <c>p mod members</c>, rebalanced when a member joins or leaves. Across processes
/// the broker decides: each partition queue has a single active consumer, the earliest subscribed; the others wait
/// and take over when it goes away (a member leaving, a process dying, a rewind closing the consumer).
/// </remarks>
#pragma warning disable CA1001 // The semaphore never allocates a wait handle (only WaitAsync is used): nothing to dispose.
internal sealed class RabbitMQGroup
#pragma warning restore CA1001
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<RabbitMQListener> _members = [];
    private readonly string _prefix;
    private readonly string _topic;
    private readonly string _group;

    public RabbitMQGroup(string prefix, string topic, string group, int partitions)
    {
        (_prefix, _topic, _group) = (prefix, topic, group);
        Partitions = Enumerable.Range(0, partitions).Select(_ => new PartitionState()).ToArray();
    }

    /// <summary>Gets the state of each partition, by partition number.</summary>
    public PartitionState[] Partitions { get; }

    public string Queue(int partition) => Names.Queue(_prefix, _topic, _group, partition);

    public async Task JoinAsync(RabbitMQListener member, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _members.Add(member);
            await RebalanceAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task LeaveAsync(RabbitMQListener member)
    {
        await _gate.WaitAsync();
        try
        {
            if (_members.Remove(member))
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
        for (var i = 0; i < _members.Count; i++)
        {
            var mine = Enumerable.Range(0, Partitions.Length).Where(p => p % _members.Count == i).ToHashSet();
            await _members[i].AssignAsync(mine, cancellationToken);
        }
    }
}
