using Herald.Events;
using Herald.Hosting;

namespace Herald.Transports.InMemory;

/// <summary>One topic: its partitions and its consumer groups, all guarded by one lock.</summary>
internal sealed class InMemoryTopic
{
    private readonly InMemoryPartition[] _partitions;
    private readonly Dictionary<string, InMemoryGroup> _groups = new(StringComparer.Ordinal);
    private int _roundRobin;

    public InMemoryTopic(int partitionCount, TimeProvider timeProvider, EventLimits limits)
    {
        Limits = limits;
        _partitions = new InMemoryPartition[partitionCount];
        for (var i = 0; i < partitionCount; i++)
        {
            _partitions[i] = new InMemoryPartition();
        }

        TimeProvider = timeProvider;
    }

    public Lock Sync { get; } = new();

    public TimeProvider TimeProvider { get; }

    /// <summary>Gets the limits a delivered event is held to.</summary>
    public EventLimits Limits { get; }

    public IReadOnlyList<InMemoryPartition> Partitions => _partitions;

    public void Append(EventEnvelope envelope)
    {
        var partition = envelope.PartitionKey is { } key
            ? KeyPartitioner.Partition(key, _partitions.Length)
            : (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)_partitions.Length);
        lock (Sync)
        {
            _partitions[partition].Append(envelope);
            foreach (var group in _groups.Values)
            {
                group.Partitions[partition].Owner?.Signal();
            }
        }
    }

    public InMemoryListener Join(string groupName)
    {
        lock (Sync)
        {
            if (!_groups.TryGetValue(groupName, out var group))
            {
                group = new InMemoryGroup(_partitions);
                _groups.Add(groupName, group);
            }

            var listener = new InMemoryListener(this, group);
            group.Members.Add(listener);
            group.Rebalance();
            return listener;
        }
    }

    public void Leave(InMemoryListener listener, InMemoryGroup group)
    {
        lock (Sync)
        {
            if (group.Members.Remove(listener))
            {
                group.Rebalance();
            }
        }
    }

    /// <summary>Drops the events of a partition that every group has completed. Caller holds the lock.</summary>
    public void Trim(int partition)
    {
        var low = long.MaxValue;
        foreach (var group in _groups.Values)
        {
            low = Math.Min(low, group.Partitions[partition].Committed);
        }

        if (low != long.MaxValue)
        {
            _partitions[partition].TrimBefore(low);
        }
    }

    public IReadOnlyList<PartitionLag> Lag(string groupName)
    {
        lock (Sync)
        {
            var lags = new PartitionLag[_partitions.Length];
            for (var p = 0; p < _partitions.Length; p++)
            {
                var committed = _groups.TryGetValue(groupName, out var group) ? group.Partitions[p].Committed : _partitions[p].BaseOffset;
                lags[p] = new PartitionLag(p, _partitions[p].End, committed);
            }

            return lags;
        }
    }

    public long Backlog(string groupName)
    {
        lock (Sync)
        {
            long backlog = 0;
            for (var p = 0; p < _partitions.Length; p++)
            {
                var committed = _groups.TryGetValue(groupName, out var group)
                    ? group.Partitions[p].Committed
                    : _partitions[p].BaseOffset;
                backlog += _partitions[p].End - committed;
            }

            return backlog;
        }
    }
}
