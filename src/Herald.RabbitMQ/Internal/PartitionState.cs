namespace Herald.RabbitMQ.Internal;

/// <summary>What this process knows about one partition of one consumer group, shared by the members that take it in turn.</summary>
/// <remarks>
/// RabbitMQ has no offsets and keeps no per-group delivery count a requeue does not also raise, so the process keeps
/// both: offsets count up per partition, and a delivery that goes back to the queue unsettled (a rewind, a rebalance)
/// keeps its offset when it comes again; the redelivery count and first failure of events being retried are kept
/// until the event is completed. Both live in memory: after a restart offsets start again and counts restart at 1.
/// </remarks>
internal sealed class PartitionState
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _returning = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Count, DateTimeOffset? FirstFailedAt)> _retries = new(StringComparer.Ordinal);
    private long _nextOffset;
    private int _unsettled;

    /// <summary>Gets how many deliveries members of this process hold unsettled (the broker counts them as unacknowledged, not ready).</summary>
    public int Unsettled => Volatile.Read(ref _unsettled);

    /// <summary>Records a delivery and returns its offset, its delivery count and its first failure.</summary>
    public (long Offset, int DeliveryCount, DateTimeOffset? FirstFailedAt) Arrive(string eventId)
    {
        lock (_lock)
        {
            _unsettled++;
            var offset = _returning.Remove(eventId, out var kept) ? kept : _nextOffset++;
            return _retries.TryGetValue(eventId, out var retry) ? (offset, retry.Count, retry.FirstFailedAt) : (offset, 1, null);
        }
    }

    /// <summary>Records that a delivery was completed: its event leaves the retry schedule.</summary>
    public void Completed(string eventId)
    {
        lock (_lock)
        {
            _unsettled--;
            _retries.Remove(eventId);
        }
    }

    /// <summary>Records deliveries that go back to the queue unsettled; they keep their offsets when they come again.</summary>
    public void Returned(IReadOnlyCollection<(string EventId, long Offset)> deliveries)
    {
        lock (_lock)
        {
            _unsettled -= deliveries.Count;
            foreach (var (eventId, offset) in deliveries)
            {
                _returning.TryAdd(eventId, offset);
            }
        }
    }

    /// <summary>Sets the delivery count and first failure the next delivery of an event gets.</summary>
    public void Schedule(string eventId, int deliveryCount, DateTimeOffset? firstFailedAt)
    {
        lock (_lock)
        {
            _retries[eventId] = (deliveryCount, firstFailedAt);
        }
    }
}
