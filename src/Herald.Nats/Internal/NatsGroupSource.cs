using Herald.Transports.Partitioned;

namespace Herald.Nats.Internal;

/// <summary>One consumer group on one topic as the kernel sees it: a cursor per partition's durable consumer, and leases
/// that give this process its share of the partitions.</summary>
internal sealed class NatsGroupSource(NatsTopic topic, string group, NatsBucket leaseBucket, string process, Action<NatsGroupSource> closed) : PartitionGroupSource
{
    private NatsLeases? _leases;

    public override ValueTask<PartitionCursor> OpenAsync(int partition, CancellationToken cancellationToken)
    {
        var cursor = new NatsCursor(topic, group, partition);
        cursor.Start();
        return new(cursor);
    }

    public override PartitionLeases? CreateLeases(PartitionOwnership ownership) => _leases = new NatsLeases(ownership, topic, leaseBucket, process);

    /// <summary>Gives the group's partitions up while the transport's connection is still open: the transport is closing.</summary>
    public Task CloseAsync() => _leases?.CloseAsync() ?? Task.CompletedTask;

    public override ValueTask DisposeAsync()
    {
        closed(this);
        return ValueTask.CompletedTask;
    }
}
