using Herald.Hosting;
using Herald.Log.Groups;

namespace Herald.Transports.Embedded;

/// <summary>
/// One consumer group member on the embedded log: reads the partitions the group assigns it, rewinds a partition to
/// redeliver, and commits completed offsets to the group (durably every second and when it leaves). A failed event's
/// redelivery schedule is kept in <see cref="RetryStates"/>, so a restart continues it.
/// </summary>
internal sealed class EmbeddedLogListener(GroupMember member, RetryStates retries, TimeProvider timeProvider, EventLimits limits) : ITransportListener
{
    private readonly Lock _lock = new();
    private EmbeddedPartitionState[] _states = [];
    private int _assignmentVersion = -1;
    private int _nextStart;
    private bool _closed;

    public int TryReceive(List<TransportDelivery> deliveries, int maxCount)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        lock (_lock)
        {
            if (_closed)
            {
                return 0;
            }

            Refresh();
            var now = timeProvider.GetUtcNow();
            var added = 0;
            var states = _states;
            var start = _nextStart;
            _nextStart = states.Length == 0 ? 0 : (start + 1) % states.Length;
            for (var i = 0; i < states.Length && added < maxCount; i++)
            {
                var state = states[(start + i) % states.Length];
                if (state.NotBefore <= now && state.Reader.Partition.Damage is null)
                {
                    added += state.Receive(deliveries, maxCount - added);
                }
            }

            return added;
        }
    }

    public async ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken = default)
    {
        var waits = new List<Task>();
        while (true)
        {
            TimeSpan? due = null;
            waits.Clear();
            lock (_lock)
            {
                if (_closed || member.HasLeft)
                {
                    return false;
                }

                Refresh();
                var now = timeProvider.GetUtcNow();
                waits.Add(member.AssignmentChanged);
                foreach (var state in _states)
                {
                    // A partition found damaged while read stops here; the transport logged it with its repair command.
                    if (state.Reader.Partition.Damage is not null)
                    {
                        continue;
                    }

                    if (state.NotBefore > now)
                    {
                        var wait = state.NotBefore - now;
                        due = due is null || wait < due ? wait : due;
                        continue;
                    }

                    switch (state.Reader.GetDataSignal())
                    {
                        case null:
                            return true;
                        case { IsCompleted: true, Result: false }:
                            return false;
                        case { } signal:
                            waits.Add(signal);
                            break;
                    }
                }
            }

            // The partitions' signals are shared by every waiter; only a redelivery delay needs a timer of its own.
            if (due is { } delay)
            {
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                waits.Add(Task.Delay(delay, timeProvider, timer.Token));
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
        if (delivery.State is EmbeddedDeliveryTicket ticket && ticket.State.IsCurrent(ticket.Generation))
        {
            ticket.State.Complete(delivery.Offset);
            // Handed to the group at once (in memory; durable within a second), so its lag is current.
            lock (_lock)
            {
                if (!_closed)
                {
                    ticket.State.PushCommit(member);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask RedeliverAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        RetryState? state = null;
        lock (_lock)
        {
            if (delivery.State is EmbeddedDeliveryTicket ticket && ticket.State.IsCurrent(ticket.Generation))
            {
                var now = timeProvider.GetUtcNow();
                state = new RetryState(delivery.Offset, delivery.DeliveryCount, now + delay, delivery.FirstFailedAt ?? now);
                ticket.State.Rewind(state.Value);
            }
        }

        if (state is { } persist)
        {
            await retries.SetAsync(member.Topic.Name, member.Group, delivery.Partition, persist, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DeferAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        lock (_lock)
        {
            if (delivery.State is EmbeddedDeliveryTicket ticket && ticket.State.IsCurrent(ticket.Generation))
            {
                var now = timeProvider.GetUtcNow();
                ticket.State.Rewind(new RetryState(delivery.Offset, delivery.DeliveryCount - 1, now + delay, delivery.FirstFailedAt ?? now));
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return ValueTask.CompletedTask;
            }

            _closed = true;
            foreach (var state in _states)
            {
                state.Revoke(member);
            }

            _states = [];
        }

        member.Dispose();
        return ValueTask.CompletedTask;
    }

    // Under _lock: follow the group's assignment, keeping the partitions this member still owns where they are.
    private void Refresh()
    {
        foreach (var state in _states)
        {
            state.PushCommit(member);
        }

        var assignment = member.Assignment;
        if (assignment.Version == _assignmentVersion)
        {
            return;
        }

        // A damaged partition is not consumed: the transport logged it with its repair command when the log opened.
        var serving = assignment.Partitions.Where(assigned => assigned.Partition.Damage is null).ToList();
        var states = new EmbeddedPartitionState[serving.Count];
        for (var i = 0; i < states.Length; i++)
        {
            var assigned = serving[i];
            var kept = Array.Find(_states, s => s.Partition == assigned.Partition.Id);
            states[i] = kept ?? new EmbeddedPartitionState(
                assigned.Partition.OpenReader(assigned.StartOffset),
                assigned.StartOffset,
                retries.Get(member.Topic.Name, member.Group, assigned.Partition.Id),
                limits);
        }

        foreach (var state in _states)
        {
            if (Array.IndexOf(states, state) < 0)
            {
                state.Revoke(member);
            }
        }

        _states = states;
        _assignmentVersion = assignment.Version;
    }
}
