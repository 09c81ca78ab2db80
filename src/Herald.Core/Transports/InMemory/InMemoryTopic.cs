using Herald.Events;
using Herald.Hosting;

namespace Herald.Transports.InMemory;

/// <summary>One topic: its partitions and each consumer group's committed offsets, all guarded by <see cref="Sync"/>.</summary>
internal sealed class InMemoryTopic(int partitionCount, EventLimits limits)
{
    private readonly Dictionary<string, long[]> _committed = new(StringComparer.Ordinal);

    public Lock Sync { get; } = new();

    public EventLimits Limits => limits;

    public InMemoryPartition[] Partitions { get; } = [.. Enumerable.Range(0, partitionCount).Select(id => new InMemoryPartition(id))];

    public void Append(int partition, IEnumerable<EventEnvelope> envelopes)
    {
        lock (Sync)
        {
            foreach (var envelope in envelopes)
            {
                Partitions[partition].Append(envelope);
            }
        }
    }

    /// <summary>Returns a group's committed offsets; a group new to the topic starts at the earliest events still held.</summary>
    public long[] Committed(string group)
    {
        lock (Sync)
        {
            return _committed.TryGetValue(group, out var committed)
                ? committed
                : _committed[group] = [.. Partitions.Select(p => p.BaseOffset)];
        }
    }

    /// <summary>Commits a group's position and drops the events of the partition that every group has completed.</summary>
    public void Commit(long[] committed, int partition, long offset)
    {
        lock (Sync)
        {
            committed[partition] = offset;
            Partitions[partition].TrimBefore(_committed.Values.Min(group => group[partition]));
        }
    }

    public PartitionLag[] Lag(string group)
    {
        lock (Sync)
        {
            _committed.TryGetValue(group, out var committed);
            return [.. Partitions.Select((p, i) => new PartitionLag(i, p.End, committed?[i] ?? p.BaseOffset))];
        }
    }
}
