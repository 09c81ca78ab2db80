using Herald.Events;

namespace Herald.Transports.Partitioned;

/// <summary>A <see cref="PartitionedTransport"/> over a broker that takes one event per publish: a batch goes out as
/// concurrent single appends (see <see cref="ConcurrentSends"/>), each partition's in order.</summary>
/// <remarks>A transport derives from it and supplies <see cref="PartitionedTransport.GetPartitionCount"/>, the single append and
/// <see cref="PartitionedTransport.OpenGroupAsync"/>; RabbitMQ and NATS do.</remarks>
public abstract class BrokerTransport : PartitionedTransport
{
    /// <summary>Creates the kernel.</summary>
    /// <param name="timeProvider">The clock redelivery delays run on. Default: the system's.</param>
    protected BrokerTransport(TimeProvider? timeProvider)
        : base(timeProvider)
    {
    }

    /// <summary>Appends a batch as concurrent single appends, up to <see cref="ConcurrentSends.MaxInFlight"/> in flight, each
    /// partition's one after the other; after a failure no further append starts and the call fails with it.</summary>
    protected sealed override ValueTask AppendAsync(string topic, IReadOnlyList<EventEnvelope>?[] partitions, CancellationToken cancellationToken) =>
        ConcurrentSends.SendAsync(partitions, (partition, envelope, token) => AppendAsync(topic, partition, envelope, token), cancellationToken);
}
