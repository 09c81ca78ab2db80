using Herald.Events;

namespace Herald.Transports.InMemory;

/// <summary>One member of a consumer group on an in-memory topic.</summary>
internal sealed class InMemoryListener(InMemoryTopic topic, InMemoryGroup group) : ITransportListener
{
    private TaskCompletionSource<bool>? _waiter;
    private bool _closed;
    private int _nextStart;

    public int TryReceive(List<TransportDelivery> deliveries, int maxCount)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        var added = 0;
        lock (topic.Sync)
        {
            if (_closed)
            {
                return 0;
            }

            var now = topic.TimeProvider.GetUtcNow();
            var count = group.Partitions.Length;
            // Rotating the first partition keeps one busy partition from starving the others.
            var start = _nextStart;
            _nextStart = start + 1 == count ? 0 : start + 1;
            for (var i = 0; i < count && added < maxCount; i++)
            {
                var p = (start + i) % count;
                var state = group.Partitions[p];
                if (!ReferenceEquals(state.Owner, this) || state.NotBefore > now)
                {
                    continue;
                }

                var partition = topic.Partitions[p];
                while (state.Position < partition.End && added < maxCount)
                {
                    var offset = state.Position++;
                    var earlier = offset == state.FailedOffset ? state.FailedCount : 0;
                    // An event over the limits (sent by a producer with larger ones) is handed out as what they keep of it, to be dead-lettered.
                    var envelope = EnvelopeLimits.Check(partition[offset], topic.Limits, $"inmemory-{p}@{offset}", out var tooLarge);
                    deliveries.Add(new TransportDelivery(envelope, p, offset, earlier + 1)
                    {
                        State = state.Generation,
                        FirstFailedAt = earlier > 0 ? state.FailedSince : null,
                        Unreadable = tooLarge,
                    });
                    added++;
                }
            }
        }

        return added;
    }

    public async ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken = default)
    {
        Task<bool> signal;
        TimeSpan? due;
        lock (topic.Sync)
        {
            if (_closed)
            {
                return false;
            }

            var now = topic.TimeProvider.GetUtcNow();
            if (HasReady(now, out due))
            {
                return true;
            }

            _waiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            signal = _waiter.Task;
        }

        if (due is null)
        {
            return await signal.WaitAsync(cancellationToken);
        }

        // A failed partition becomes ready when its redelivery delay ends, with no append to signal it.
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(due.Value, topic.TimeProvider, timer.Token);
        var first = await Task.WhenAny(signal, delay);
        await timer.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        return first != signal || await signal;
    }

    public ValueTask CompleteAsync(TransportDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        lock (topic.Sync)
        {
            if (Owns(delivery, out var state) && delivery.Offset >= state.Committed)
            {
                // The group moves only up to the first delivery still unsettled; later ones wait for it.
                state.CompletedAhead.Add(delivery.Offset);
                while (state.CompletedAhead.Remove(state.Committed))
                {
                    state.Committed++;
                }

                if (delivery.Offset >= state.FailedOffset)
                {
                    state.FailedOffset = -1;
                    state.FailedCount = 0;
                }

                topic.Trim(delivery.Partition);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RedeliverAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default) =>
        PutBack(delivery, delay, failed: true);

    public ValueTask DeferAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default) =>
        PutBack(delivery, delay, failed: false);

    private ValueTask PutBack(TransportDelivery delivery, TimeSpan delay, bool failed)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        lock (topic.Sync)
        {
            if (Owns(delivery, out var state))
            {
                var now = topic.TimeProvider.GetUtcNow();
                state.Position = delivery.Offset;
                state.CompletedAhead.Clear();
                state.FailedOffset = delivery.Offset;
                state.FailedCount = failed ? delivery.DeliveryCount : delivery.DeliveryCount - 1;
                state.FailedSince = delivery.FirstFailedAt ?? now;
                state.NotBefore = now + delay;
                // Deliveries after the failed one are void: settling one of them must not move the group.
                state.Generation++;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        lock (topic.Sync)
        {
            _closed = true;
            _waiter?.TrySetResult(false);
            _waiter = null;
        }

        topic.Leave(this, group);
        return ValueTask.CompletedTask;
    }

    /// <summary>Wakes a waiting <see cref="WaitToReceiveAsync"/>. Caller holds the topic lock.</summary>
    public void Signal()
    {
        _waiter?.TrySetResult(true);
        _waiter = null;
    }

    private bool Owns(TransportDelivery delivery, out InMemoryGroupPartition state)
    {
        state = group.Partitions[delivery.Partition];
        return ReferenceEquals(state.Owner, this) && delivery.State is int generation && generation == state.Generation;
    }

    private bool HasReady(DateTimeOffset now, out TimeSpan? due)
    {
        due = null;
        for (var p = 0; p < group.Partitions.Length; p++)
        {
            var state = group.Partitions[p];
            if (!ReferenceEquals(state.Owner, this) || state.Position >= topic.Partitions[p].End)
            {
                continue;
            }

            if (state.NotBefore <= now)
            {
                return true;
            }

            var wait = state.NotBefore - now;
            due = due is null || wait < due ? wait : due;
        }

        return false;
    }
}
