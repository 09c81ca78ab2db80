using Herald.Events;

namespace Herald.Transports;

/// <summary>One envelope handed to one consumer group member, with its position in the topic.</summary>
/// <param name="envelope">The event.</param>
/// <param name="partition">The partition the event is in.</param>
/// <param name="offset">The event's position in its partition.</param>
/// <param name="deliveryCount">Which handling attempt this is: 1, plus one per earlier <see cref="ITransportListener.RedeliverAsync"/> of this event.</param>
public sealed class TransportDelivery(EventEnvelope envelope, int partition, long offset, int deliveryCount)
{
    /// <summary>Gets the event.</summary>
    public EventEnvelope Envelope { get; } = envelope;

    /// <summary>Gets the partition the event is in.</summary>
    public int Partition { get; } = partition;

    /// <summary>Gets the event's position in its partition.</summary>
    public long Offset { get; } = offset;

    /// <summary>Gets which handling attempt this is: 1, plus one per earlier redelivery of this event.</summary>
    /// <remarks>An event handed to another member after a rebalance, or re-read behind a failed one, counts from 1 again.</remarks>
    public int DeliveryCount { get; } = deliveryCount;

    /// <summary>Gets when this event first failed in this group, once it has been redelivered; <see langword="null"/> on a first delivery.</summary>
    public DateTimeOffset? FirstFailedAt { get; init; }

    /// <summary>Gets why the message is not a readable CloudEvent, when it is not; <see cref="Envelope"/> then holds what could be read of it.</summary>
    internal Exception? Unreadable { get; init; }

    /// <summary>Gets the transport's own settlement state (a delivery tag, an assignment generation).</summary>
    public object? State { get; init; }
}
