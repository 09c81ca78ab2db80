using System.Collections.Concurrent;
using Herald.Hosting;
using Herald.Transports.Partitioned;
using Microsoft.Extensions.Logging;

namespace Herald.Kafka.Internal;

/// <summary>One Herald consumer group on one topic in this process: one member of the Kafka group of the same name,
/// whose assigned partitions the kernel spreads over the Herald members here.</summary>
/// <remarks>Kafka's group coordinator decides which process reads which partition, so the "leases" are the consumer
/// itself (<see cref="KafkaMembership"/>): partitions the coordinator assigns are acquired, those it revokes released.</remarks>
internal sealed class KafkaGroupSource(
    string topic,
    string group,
    KafkaClients clients,
    EventLimits limits,
    TimeProvider timeProvider,
    ILogger logger,
    Action<KafkaGroupSource> closed,
    CancellationToken closing) : PartitionGroupSource
{
    private KafkaMembership? _membership;

    public string Topic => topic;

    public string Group => group;

    /// <summary>Gets the cursors of the partitions this process holds, by partition.</summary>
    public ConcurrentDictionary<int, KafkaCursor> Cursors { get; } = new();

    public override ValueTask<PartitionCursor> OpenAsync(int partition, CancellationToken cancellationToken)
    {
        var cursor = new KafkaCursor(partition);
        Cursors[partition] = cursor;
        return new(cursor);
    }

    public override PartitionLeases? CreateLeases(PartitionOwnership ownership) =>
        _membership = new KafkaMembership(this, ownership, clients, limits, timeProvider, logger, closing);

    /// <summary>Completes once the consumer has given its partitions back and left the group (when the transport closes).</summary>
    public Task Stopped => _membership?.Stopped ?? Task.CompletedTask;

    public override ValueTask DisposeAsync()
    {
        closed(this);
        return ValueTask.CompletedTask;
    }
}
