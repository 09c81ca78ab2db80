using Herald.Events;
using Herald.Transports.Partitioned;

namespace Herald.Tests.Transports.Partitioned;

/// <summary>A kernel transport over lists in memory that records what the kernel asks of its source: commits, seeks, settlements beyond the position, saved schedules, opens and closes.</summary>
internal sealed class ScriptedTransport(int partitionCount, TimeProvider timeProvider, Func<PartitionOwnership, PartitionLeases?>? leases = null)
    : PartitionedTransport(timeProvider)
{
    public List<SourceMessage>[] Partitions { get; } = [.. Enumerable.Range(0, partitionCount).Select(_ => new List<SourceMessage>())];

    public Dictionary<int, List<long>> Commits { get; } = [];

    public Dictionary<int, PartitionRedelivery> Saved { get; } = [];

    public List<string> Events { get; } = [];

    public int OpenCursors { get; private set; }

    public void Add(int partition, EventEnvelope envelope, Exception? unreadable = null)
    {
        lock (Partitions)
        {
            Partitions[partition].Add(new SourceMessage(Partitions[partition].Count, envelope, unreadable));
        }
    }

    protected override int GetPartitionCount(string topic) => partitionCount;

    protected override ValueTask AppendAsync(string topic, int partition, EventEnvelope envelope, CancellationToken cancellationToken)
    {
        Add(partition, envelope);
        return ValueTask.CompletedTask;
    }

    protected override ValueTask AppendAsync(string topic, IReadOnlyList<EventEnvelope>?[] partitions, CancellationToken cancellationToken)
    {
        for (var p = 0; p < partitions.Length; p++)
        {
            foreach (var envelope in partitions[p] ?? [])
            {
                Add(p, envelope);
            }
        }

        return ValueTask.CompletedTask;
    }

    protected override ValueTask<PartitionGroupSource> OpenGroupAsync(string topic, string group, CancellationToken cancellationToken) =>
        new(new Source(this, leases));

    private sealed class Source(ScriptedTransport transport, Func<PartitionOwnership, PartitionLeases?>? leases) : PartitionGroupSource
    {
        public override ValueTask<PartitionCursor> OpenAsync(int partition, CancellationToken cancellationToken)
        {
            transport.OpenCursors++;
            transport.Events.Add($"open {partition}");
            return new(new Cursor(transport, partition));
        }

        public override PartitionLeases? CreateLeases(PartitionOwnership ownership) => leases?.Invoke(ownership);

        public override ValueTask DisposeAsync()
        {
            transport.Events.Add("source closed");
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Cursor(ScriptedTransport transport, int partition) : PartitionCursor, IPartitionSettlements
    {
        private long _position = transport.Commits.TryGetValue(partition, out var commits) && commits.Count > 0 ? commits[^1] : 0;

        public override long StartOffset { get; } = transport.Commits.TryGetValue(partition, out var commits) && commits.Count > 0 ? commits[^1] : 0;

        public override PartitionRedelivery? Redelivery { get; } = transport.Saved.TryGetValue(partition, out var saved) ? saved : null;

        public override int Read(List<SourceMessage> messages, int maxCount)
        {
            lock (transport.Partitions)
            {
                var added = 0;
                for (; _position < transport.Partitions[partition].Count && added < maxCount; _position++, added++)
                {
                    messages.Add(transport.Partitions[partition][(int)_position]);
                }

                return added;
            }
        }

        public override Task<bool>? GetDataSignal()
        {
            lock (transport.Partitions)
            {
                // The tests call TryReceive directly; a waiter is never left behind on this source.
                return _position < transport.Partitions[partition].Count ? null : new TaskCompletionSource<bool>().Task;
            }
        }

        public override void Seek(long offset)
        {
            transport.Events.Add($"seek {partition}@{offset}");
            _position = offset;
        }

        public void Settled(long offset) => transport.Events.Add($"settled {partition}@{offset}");

        public override void Commit(long nextOffset)
        {
            if (!transport.Commits.TryGetValue(partition, out var list))
            {
                transport.Commits[partition] = list = [];
            }

            list.Add(nextOffset);
        }

        public override ValueTask SaveRedeliveryAsync(PartitionRedelivery redelivery, CancellationToken cancellationToken)
        {
            transport.Saved[partition] = redelivery;
            return ValueTask.CompletedTask;
        }

        public override ValueTask DisposeAsync()
        {
            transport.OpenCursors--;
            transport.Events.Add($"close {partition}");
            return ValueTask.CompletedTask;
        }
    }
}
