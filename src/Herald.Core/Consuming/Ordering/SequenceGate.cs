using Herald.Transports;

namespace Herald.Consuming.Ordering;

/// <summary>
/// One member's reorder buffer over its deliveries: restores each key's position from the store the first time it
/// sees the key, records the positions of the events the group dealt with, evicts idle keys from memory and removes
/// expired positions from the store.
/// </summary>
/// <remarks>
/// Only deliveries with both a partition key and a sequence number pass through it. Everything but
/// <see cref="DealtWith"/> runs on the member's loop.
/// </remarks>
internal sealed class SequenceGate(Subscription subscription, ReorderOptions options, ISequencePositionStore store, TimeProvider timeProvider)
{
    private readonly ReorderBuffer<TransportDelivery> _buffer = new(options);
    private readonly Dictionary<string, GateKey> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _dealtWith = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly KeyEviction _eviction = new(options, timeProvider);
    private DateTimeOffset _nextRetention = DateTimeOffset.MinValue;
    private long _evicted;
    private int _keysInMemory;

    public ReorderBuffer<TransportDelivery> Buffer => _buffer;

    public DateTimeOffset? NextDeadline => _buffer.NextDeadline;

    /// <summary>Gets how many keys the gate holds in memory; read by the keys gauge without the loop's synchronisation.</summary>
    public int KeysInMemory => Volatile.Read(ref _keysInMemory);

    /// <summary>Gets how many keys have left memory since the gate started.</summary>
    public long KeysEvicted => Interlocked.Read(ref _evicted);

    public static bool Applies(TransportDelivery delivery) => delivery.Envelope is { Sequence: not null, PartitionKey: not null };

    public async ValueTask<ReorderResult<TransportDelivery>> OfferAsync(TransportDelivery delivery, CancellationToken cancellationToken)
    {
        var key = delivery.Envelope.PartitionKey!;
        var sequence = delivery.Envelope.Sequence!.Value;
        var now = timeProvider.GetUtcNow();
        if (!_keys.TryGetValue(key, out var state))
        {
            var stored = _buffer.GetPosition(key) is null
                ? await store.GetAsync(subscription.Group, subscription.Topic, key, cancellationToken).ConfigureAwait(false)
                : null;
            if (stored is { } last)
            {
                _buffer.Restore(key, last);
            }

            // Leaving memory at this position loses nothing: it is the stored one, or the one a first-seen key starts at.
            state = new GateKey(stored ?? ((options.FirstSequence ?? sequence) - 1), stored is null ? now : DateTimeOffset.MinValue);
            _keys[key] = state;
            Volatile.Write(ref _keysInMemory, _keys.Count);
        }

        state.LastSeen = now;
        state.Partition = delivery.Partition;
        return _buffer.Offer(key, sequence, delivery, now);
    }

    /// <summary>Voids what the gate holds of <paramref name="partition"/>'s keys because the transport delivers the
    /// partition again from an earlier offset (it moved away and back): their waiting events are dropped and their
    /// positions go back to the last event the group dealt with, so the events coming again are released again rather
    /// than taken for duplicates of deliveries that will never be settled.</summary>
    public void Void(int partition)
    {
        foreach (var (key, state) in _keys)
        {
            if (state.Partition != partition)
            {
                continue;
            }

            _buffer.Forget(key);
            long last;
            lock (_lock)
            {
                last = _dealtWith.TryGetValue(key, out var dealt) ? Math.Max(dealt, state.Durable) : state.Durable;
            }

            _buffer.Restore(key, last);
        }
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
        var now = timeProvider.GetUtcNow();
        foreach (var (key, last) in positions)
        {
            if (_keys.TryGetValue(key, out var state))
            {
                (state.Durable, state.SavedAt) = (last, now);
            }
        }
    }

    /// <summary>Evicts keys idle for <see cref="ReorderOptions.KeyIdleTimeout"/> (or beyond <see cref="ReorderOptions.MaxKeysInMemory"/>) and, when due, removes positions older than <see cref="ReorderOptions.PositionRetention"/>.</summary>
    /// <remarks>Call after <see cref="SaveAsync"/>, with no lane running: a key leaves memory only at its durable position.</remarks>
    public async ValueTask SweepAsync(CancellationToken cancellationToken)
    {
        var evicted = _eviction.Sweep(_keys, CanLeave);
        foreach (var key in evicted)
        {
            _keys.Remove(key);
            _buffer.Forget(key);
        }

        if (evicted.Count > 0)
        {
            Interlocked.Add(ref _evicted, evicted.Count);
            Volatile.Write(ref _keysInMemory, _keys.Count);
        }

        var now = timeProvider.GetUtcNow();
        if (options.PositionRetention == Timeout.InfiniteTimeSpan || now < _nextRetention)
        {
            return;
        }

        _nextRetention = now + KeyEviction.RetentionSweepInterval(options.PositionRetention);
        var cutoff = now - options.PositionRetention;

        // Keys still in memory keep their positions: saved again first, so only keys out of memory expire.
        var refresh = _keys.Where(k => k.Value.SavedAt < cutoff + KeyEviction.RetentionSweepInterval(options.PositionRetention) && CanLeave(k.Key, k.Value))
            .Select(k => new KeyValuePair<string, long>(k.Key, k.Value.Durable)).ToList();
        if (refresh.Count > 0)
        {
            await store.SaveAsync(subscription.Group, subscription.Topic, refresh, cancellationToken).ConfigureAwait(false);
            foreach (var (key, _) in refresh)
            {
                _keys[key].SavedAt = now;
            }
        }

        await store.RemoveSavedBeforeAsync(subscription.Group, subscription.Topic, cutoff, cancellationToken).ConfigureAwait(false);
    }

    // Nothing buffered, and every event it released dealt with and saved: its position in the store is its position here.
    private bool CanLeave(string key, GateKey state)
    {
        if (_buffer.BufferedFor(key) > 0 || _buffer.GetPosition(key) != state.Durable)
        {
            return false;
        }

        lock (_lock)
        {
            return !_dealtWith.ContainsKey(key);
        }
    }
}
