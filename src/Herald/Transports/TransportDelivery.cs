using Herald.Events;

namespace Herald.Transports;

/// <summary>One envelope handed to one consumer group member, with its position in the topic.</summary>
/// <param name="envelope">The event.</param>
/// <param name="partition">The partition the event is in.</param>
/// <param name="offset">The event's position in its partition.</param>
/// <param name="deliveryCount">How many times this group has been given the event, this time included (at least 1).</param>
public sealed class TransportDelivery(EventEnvelope envelope, int partition, long offset, int deliveryCount)
{
    /// <summary>Gets the event.</summary>
    public EventEnvelope Envelope { get; } = envelope;

    /// <summary>Gets the partition the event is in.</summary>
    public int Partition { get; } = partition;

    /// <summary>Gets the event's position in its partition.</summary>
    public long Offset { get; } = offset;

    /// <summary>Gets how many times this group has been given the event, this time included.</summary>
    public int DeliveryCount { get; } = deliveryCount;

    /// <summary>Gets the transport's own settlement state (a delivery tag, an assignment generation).</summary>
    public object? State { get; init; }
}
