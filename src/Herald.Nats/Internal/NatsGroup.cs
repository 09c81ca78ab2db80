namespace Herald.Nats.Internal;

/// <summary>The members of one consumer group on one topic in this process, and which member owns which partition.</summary>
/// <remarks>
/// JetStream 2.9 has no consumer groups for pull consumers (no single active consumer), so ownership is Herald's: a
/// partition belongs to member <c>p % members</c>, and only its owner pulls from the partition's durable consumer.
/// A partition that moves is pulled by its new owner only after the old one has handed back (NAKed, in order) what
/// it held, so the new owner sees the partition's events in order. Members in other processes are not coordinated:
/// run one process per group on a topic, or accept that two processes' members interleave a partition.
/// </remarks>
internal sealed class NatsGroup(NatsTopic topic, string name)
{
    private readonly Lock _sync = new();
    private readonly List<NatsListener> _members = [];
    private readonly NatsGroupPartition[] _partitions = CreatePartitions(topic.PartitionCount);

    public NatsTopic Topic { get; } = topic;

    public string Name { get; } = name;

    public NatsListener Join()
    {
        lock (_sync)
        {
            var listener = new NatsListener(this);
            _members.Add(listener);
            Assign();
            return listener;
        }
    }

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
            return Task.WhenAll(released);
        }
    }

    /// <summary>Moves every partition whose owner is not the one its number maps to. Caller holds the lock.</summary>
    private void Assign()
    {
        foreach (var partition in _partitions)
        {
            var wanted = _members.Count == 0 ? null : _members[partition.Partition % _members.Count];
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

    private static NatsGroupPartition[] CreatePartitions(int count)
    {
        var partitions = new NatsGroupPartition[count];
        for (var i = 0; i < count; i++)
        {
            partitions[i] = new NatsGroupPartition(i);
        }

        return partitions;
    }
}
