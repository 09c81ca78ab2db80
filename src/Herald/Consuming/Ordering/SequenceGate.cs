using Herald.Transports;

namespace Herald.Consuming.Ordering;

/// <summary>
/// One member's reorder buffer over its deliveries: restores each key's position from the store the first time it
/// sees the key, and records the positions of the events the group dealt with.
/// </summary>
/// <remarks>Only deliveries with both a partition key and a sequence number pass through it.</remarks>
internal sealed class SequenceGate(Subscription subscription, ReorderOptions options, ISequencePositionStore store, TimeProvider timeProvider)
{
    private readonly ReorderBuffer<TransportDelivery> _buffer = new(options);
    private readonly HashSet<string> _restored = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _dealtWith = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public ReorderBuffer<TransportDelivery> Buffer => _buffer;

    public DateTimeOffset? NextDeadline => _buffer.NextDeadline;

    public static bool Applies(TransportDelivery delivery) => delivery.Envelope is { Sequence: not null, PartitionKey: not null };

    public async ValueTask<ReorderResult<TransportDelivery>> OfferAsync(TransportDelivery delivery, CancellationToken cancellationToken)
    {
        var key = delivery.Envelope.PartitionKey!;
        if (_restored.Add(key) && _buffer.GetPosition(key) is null
            && await store.GetAsync(subscription.Group, subscription.Topic, key, cancellationToken).ConfigureAwait(false) is { } last)
        {
            _buffer.Restore(key, last);
        }

        return _buffer.Offer(key, delivery.Envelope.Sequence!.Value, delivery, timeProvider.GetUtcNow());
    }

    /// <summary>Gives up the gaps whose time is over, or returns <see langword="null"/> when none is.</summary>
    public ReorderResult<TransportDelivery>? ExpireDue()
    {
        var now = timeProvider.GetUtcNow();
        return _buffer.NextDeadline <= now ? _buffer.Expire(now) : null;
    }

    /// <summary>Notes that the group is done with <paramref name="delivery"/> (handled or dead-lettered); safe from any lane.</summary>
    public void DealtWith(TransportDelivery delivery)
    {
        if (!Applies(delivery))
        {
            return;
        }

        lock (_lock)
        {
            var key = delivery.Envelope.PartitionKey!;
            var sequence = delivery.Envelope.Sequence!.Value;
            if (!_dealtWith.TryGetValue(key, out var last) || sequence > last)
            {
                _dealtWith[key] = sequence;
            }
        }
    }

    /// <summary>Writes the positions noted since the last call, in one write.</summary>
    public async ValueTask SaveAsync(CancellationToken cancellationToken)
    {
        KeyValuePair<string, long>[] positions;
        lock (_lock)
        {
            if (_dealtWith.Count == 0)
            {
                return;
            }

            positions = [.. _dealtWith];
            _dealtWith.Clear();
        }

        await store.SaveAsync(subscription.Group, subscription.Topic, positions, cancellationToken).ConfigureAwait(false);
    }
}
