namespace Herald.Transports.Partitioned;

/// <summary>One member of a consumer group in this process: receives from the partitions its group gives it and settles through the kernel.</summary>
internal sealed class PartitionedListener(PartitionedGroup group, Func<PartitionedListener, ValueTask> leave) : ITransportListener
{
    private readonly List<SourceMessage> _scratch = [];
    private bool _closed;
    private int _nextStart;

    public PartitionedGroup Group => group;

    public int TryReceive(List<TransportDelivery> deliveries, int maxCount)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        var added = 0;
        lock (group.Sync)
        {
            if (_closed)
            {
                return 0;
            }

            var now = group.TimeProvider.GetUtcNow();
            var slots = group.Slots;
            // Rotating the first partition keeps one busy partition from starving the others.
            var start = _nextStart;
            _nextStart = start + 1 == slots.Length ? 0 : start + 1;
            for (var i = 0; i < slots.Length && added < maxCount; i++)
            {
                var slot = slots[(start + i) % slots.Length];
                if (ReferenceEquals(slot.Owner, this) && slot.NotBefore <= now && !slot.Draining)
                {
                    added += slot.Read(_scratch, deliveries, maxCount - added);
                }
            }
        }

        return added;
    }

    public async ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken = default)
    {
        // Allocated only once the first look finds nothing ready: the common call returns at once.
        List<Task>? waits = null;
        while (true)
        {
            TimeSpan? due = null;
            waits?.Clear();
            lock (group.Sync)
            {
                if (_closed)
                {
                    return false;
                }

                var now = group.TimeProvider.GetUtcNow();
                foreach (var slot in group.Slots)
                {
                    if (!ReferenceEquals(slot.Owner, this) || slot.Draining)
                    {
                        continue;
                    }

                    if (slot.NotBefore > now)
                    {
                        var wait = slot.NotBefore - now;
                        due = due is null || wait < due ? wait : due;
                        continue;
                    }

                    switch (slot.Cursor!.GetDataSignal())
                    {
                        case null:
                            return true;
                        case { IsCompleted: true, Result: false }:
                            return false;
                        case { } signal:
                            (waits ??= []).Add(signal);
                            break;
                    }
                }

                (waits ??= []).Add(group.Changed);
            }

            // The partitions' signals are shared by every waiter; only a redelivery delay needs a timer of its own.
            if (due is { } delay)
            {
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                waits.Add(Task.Delay(delay, group.TimeProvider, timer.Token));
                await Task.WhenAny(waits).WaitAsync(cancellationToken).ConfigureAwait(false);
                await timer.CancelAsync().ConfigureAwait(false);
            }
            else
            {
                await Task.WhenAny(waits).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public ValueTask CompleteAsync(TransportDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        lock (group.Sync)
        {
            if (Current(delivery) is { } slot)
            {
                slot.Complete(delivery.Offset, ((DeliveryTicket)delivery.State!).Generation);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RedeliverAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        PartitionCursor? cursor = null;
        PartitionRedelivery redelivery = default;
        lock (group.Sync)
        {
            if (Current(delivery) is { } slot)
            {
                var now = group.TimeProvider.GetUtcNow();
                redelivery = new PartitionRedelivery(delivery.Offset, delivery.DeliveryCount, now + delay, delivery.FirstFailedAt ?? now);
                slot.Rewind(redelivery);
                cursor = slot.Cursor;
            }
        }

        // Kept outside the lock: a durable source writes it, and a restart continues the schedule.
        return cursor is null ? ValueTask.CompletedTask : cursor.SaveRedeliveryAsync(redelivery, cancellationToken);
    }

    public ValueTask DeferAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        lock (group.Sync)
        {
            if (Current(delivery) is { } slot)
            {
                // Not a failure: the count stays, so the next delivery has the same one.
                var now = group.TimeProvider.GetUtcNow();
                slot.Rewind(new PartitionRedelivery(delivery.Offset, delivery.DeliveryCount - 1, now + delay, delivery.FirstFailedAt ?? now));
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        lock (group.Sync)
        {
            if (_closed)
            {
                return ValueTask.CompletedTask;
            }

            _closed = true;
        }

        return leave(this);
    }

    // Under the group's lock: the delivery's slot when the delivery is this member's and still in flight, else null (stale:
    // read before a rewind or a change of member, or settled already).
    private PartitionSlot? Current(TransportDelivery delivery) =>
        delivery.State is DeliveryTicket ticket && ReferenceEquals(ticket.Slot.Owner, this) && ticket.Slot.IsCurrent(delivery.Offset, ticket.Generation)
            ? ticket.Slot
            : null;
}
