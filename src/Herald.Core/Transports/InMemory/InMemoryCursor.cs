using Herald.Transports.Partitioned;

namespace Herald.Transports.InMemory;

/// <summary>A consumer group's cursor on one in-memory partition; nothing of it outlives the process.</summary>
internal sealed class InMemoryCursor(InMemoryTopic topic, long[] committed, int partition) : PartitionCursor
{
    private readonly InMemoryPartition _events = topic.Partitions[partition];
    private long _position = committed[partition];

    public override long StartOffset { get; } = committed[partition];

    public override PartitionRedelivery? Redelivery => null;

    public override int Read(List<SourceMessage> messages, int maxCount)
    {
        lock (topic.Sync)
        {
            return _events.Read(ref _position, messages, maxCount, topic.Limits);
        }
    }

    public override Task<bool>? GetDataSignal()
    {
        lock (topic.Sync)
        {
            return _events.Signal(_position);
        }
    }

    public override void Seek(long offset) => _position = offset;

    public override void Commit(long nextOffset) => topic.Commit(committed, partition, nextOffset);

    public override ValueTask SaveRedeliveryAsync(PartitionRedelivery redelivery, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
