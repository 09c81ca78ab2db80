using Herald.Consuming;
using Herald.Consuming.Ordering;

namespace Herald.Diagnostics;

/// <summary>One subscription's share of the instruments: its tags, built once, and what its gauges read.</summary>
internal sealed class ConsumerTelemetry
{
    private readonly List<SequenceGate> _gates = [];
    private readonly Lock _lock = new();

    public ConsumerTelemetry(HeraldMetrics metrics, Subscription subscription)
    {
        Metrics = metrics;
        Subscription = subscription;
        Tags =
        [
            new(MessagingAttributes.System, metrics.MessagingSystem),
            new(MessagingAttributes.DestinationName, subscription.Topic),
            new(MessagingAttributes.ConsumerGroup, subscription.Group),
        ];
        ProcessTags = [.. Tags, new(MessagingAttributes.OperationName, MessagingAttributes.Process)];
    }

    public HeraldMetrics Metrics { get; }

    public Subscription Subscription { get; }

    /// <summary>Gets <c>messaging.system</c>, <c>messaging.destination.name</c> and <c>messaging.consumer.group.name</c>.</summary>
    public KeyValuePair<string, object?>[] Tags { get; }

    /// <summary>Gets <see cref="Tags"/> and <c>messaging.operation.name</c> = <c>process</c>.</summary>
    public KeyValuePair<string, object?>[] ProcessTags { get; }

    public SubscriptionBreaker? Breaker { get; set; }

    public void Redelivered() => Metrics.Redelivered(this);

    /// <summary>Adds a member's reorder buffer to the subscription's <c>herald.consumer.reorder.buffered</c>.</summary>
    public void Track(SequenceGate gate)
    {
        lock (_lock)
        {
            _gates.Add(gate);
        }
    }

    /// <summary>Returns how many events the subscription's reorder buffers hold, or null when it has none.</summary>
    public long? Buffered() => Sum(static gate => gate.Buffer.Buffered);

    /// <summary>Returns how many keys the subscription's reorder buffers hold in memory, or null when it has none.</summary>
    public long? KeysInMemory() => Sum(static gate => gate.KeysInMemory);

    /// <summary>Returns how many keys the subscription's reorder buffers evicted from memory in all, or null when it has none.</summary>
    public long? KeysEvicted() => Sum(static gate => gate.KeysEvicted);

    private long? Sum(Func<SequenceGate, long> read)
    {
        lock (_lock)
        {
            if (_gates.Count == 0)
            {
                return null;
            }

            // Read without the members' loops' synchronisation: a gauge tolerates a value a moment old.
            long total = 0;
            foreach (var gate in _gates)
            {
                total += read(gate);
            }

            return total;
        }
    }
}
