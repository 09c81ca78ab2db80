namespace Herald.Transports;

/// <summary>Receives the deliveries of one consumer group member and settles them.</summary>
/// <remarks>
/// The pattern follows <c>ChannelReader</c>: <see cref="TryReceive"/> is the synchronous fast path,
/// <see cref="WaitToReceiveAsync"/> waits on a signal (never a poll) for more work. Deliveries of
/// one partition come in offset order. A listener is used by one consumer loop at a time.
/// </remarks>
public interface ITransportListener : IAsyncDisposable
{
    /// <summary>Adds up to <paramref name="maxCount"/> deliveries that are ready now; returns how many were added.</summary>
    int TryReceive(List<TransportDelivery> deliveries, int maxCount);

    /// <summary>Waits until <see cref="TryReceive"/> may return deliveries; returns false once the listener is closed.</summary>
    ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken = default);

    /// <summary>Settles a delivery as handled; it is not delivered to this group again.</summary>
    /// <remarks>Complete in offset order within a partition: log-based transports commit up to the completed
    /// offset, which settles the earlier deliveries of the partition too. Ignored when the delivery's partition
    /// has since moved to another member or the delivery was voided by a redelivery.</remarks>
    ValueTask CompleteAsync(TransportDelivery delivery, CancellationToken cancellationToken = default);

    /// <summary>Settles a delivery as failed: it and every later delivery of its partition come again after <paramref name="delay"/>.</summary>
    /// <remarks>Deliveries of that partition already received and not completed must be dropped by the caller:
    /// they are delivered again, in order, after the failed one. The next delivery of the event has a
    /// <see cref="TransportDelivery.DeliveryCount"/> one higher and keeps <see cref="TransportDelivery.FirstFailedAt"/>
    /// (the time of the event's first redelivery request); durable transports keep both, and the delay, across a restart.</remarks>
    ValueTask RedeliverAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default);

    /// <summary>Puts a delivery back without a failure: it and every later delivery of its partition come again after <paramref name="delay"/>, with the same delivery count.</summary>
    /// <remarks>For a consumer that pauses (an open circuit breaker) rather than fails: the event was not handled and
    /// must not move toward the dead-letter queue.</remarks>
    ValueTask DeferAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default);
}
