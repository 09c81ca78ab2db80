namespace Herald.Transports.Partitioned;

/// <summary>
/// One consumer group's state in one partition in this process: the cursor while the process holds the partition, the
/// member reading it, what is in flight, the committed position and the redelivery schedule. Guarded by the group's lock.
/// </summary>
internal sealed class PartitionSlot(int partition)
{
    private readonly InFlightOffsets _inFlight = new();
    private DeliveryTicket? _ticket;
    private TaskCompletionSource? _drained;
    private long _failedOffset = -1;
    private int _failedCount;
    private DateTimeOffset _failedSince;

    public int Partition { get; } = partition;

    /// <summary>Gets the cursor, while this process holds the partition.</summary>
    public PartitionCursor? Cursor { get; private set; }

    public PartitionedListener? Owner { get; private set; }

    /// <summary>Gets the offset after the last completed event with none unsettled before it: the group's position.</summary>
    public long Committed { get; private set; }

    /// <summary>Gets whether the partition is being drained: nothing more of it is handed out, and what is in flight
    /// still settles, until it is released.</summary>
    public bool Draining { get; private set; }

    /// <summary>Gets when the partition may be handed out again after a redelivery request.</summary>
    public DateTimeOffset NotBefore { get; private set; }

    /// <summary>Gets the generation: it changes on every rewind and change of member; a settlement counts only for a
    /// delivery still in flight in the generation it was read in.</summary>
    public int Generation { get; private set; }

    public void Attach(PartitionCursor cursor)
    {
        Cursor = cursor;
        Committed = cursor.StartOffset;
        Restart();
        // A schedule left by an earlier run still applies while its event is not committed; reading restarts at the
        // committed position all the same, since what was in flight before the failed event may not have been handled.
        if (cursor.Redelivery is { } redelivery && redelivery.Offset >= Committed)
        {
            Fail(redelivery);
        }
    }

    public PartitionCursor? Detach()
    {
        var cursor = Cursor;
        Cursor = null;
        Owner = null;
        Draining = false;
        Restart();
        return cursor;
    }

    /// <summary>Stops handing the partition out; the task completes once nothing read from it is unsettled.</summary>
    public Task Drain()
    {
        Draining = true;
        return _inFlight.IsEmpty ? Task.CompletedTask : (_drained ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }

    /// <summary>Gives the partition to another member (or none): it restarts at the committed position.</summary>
    /// <remarks>With no member the cursor stays where it is (nobody reads it; the next member's assignment seeks), so
    /// what it was told was settled beyond the position (<see cref="IPartitionSettlements"/>) survives until it closes.</remarks>
    public void Assign(PartitionedListener? owner)
    {
        Owner = owner;
        if (owner is not null)
        {
            Cursor?.Seek(Committed);
        }

        Restart();
    }

    public int Read(List<SourceMessage> scratch, List<TransportDelivery> deliveries, int maxCount)
    {
        scratch.Clear();
        var read = Cursor!.Read(scratch, maxCount);
        if (read == 0)
        {
            return 0;
        }

        var ticket = _ticket ??= new DeliveryTicket(this, Generation);
        foreach (var message in scratch)
        {
            _inFlight.Add(message.Offset, Generation);
            var earlier = message.Offset == _failedOffset ? _failedCount : 0;
            deliveries.Add(new TransportDelivery(message.Envelope, Partition, message.Offset, earlier + 1)
            {
                State = ticket,
                FirstFailedAt = earlier > 0 ? _failedSince : null,
                Unreadable = message.Unreadable,
            });
        }

        return read;
    }

    /// <summary>Returns whether a delivery read in <paramref name="generation"/> is still in flight: a settlement of it counts.</summary>
    public bool IsCurrent(long offset, int generation) => _inFlight.Contains(offset, generation);

    public void Complete(long offset, int generation)
    {
        if (_inFlight.Settle(offset, generation, out var next) && next > Committed)
        {
            // The group moves only up to the first delivery still unsettled; later ones wait for it.
            Committed = next;
            Cursor!.Commit(next);
        }
        else if (Cursor is IPartitionSettlements settlements)
        {
            settlements.Settled(offset);
        }

        if (offset >= _failedOffset)
        {
            _failedOffset = -1;
            _failedCount = 0;
        }

        SignalIfDrained();
    }

    public void Rewind(PartitionRedelivery redelivery)
    {
        Cursor!.Seek(redelivery.Offset);
        Fail(redelivery);
        // The failed delivery and those read after it are void: settling one of them must not move the group. Those
        // before it stay in flight, and the group moves past them once they are settled.
        _inFlight.Truncate(redelivery.Offset);
        _ticket = null;
        Generation++;
        SignalIfDrained();
    }

    private void Fail(PartitionRedelivery redelivery)
    {
        _failedOffset = redelivery.Offset;
        _failedCount = redelivery.DeliveryCount;
        _failedSince = redelivery.FirstFailedAt;
        NotBefore = redelivery.NotBefore;
    }

    private void Restart()
    {
        _inFlight.Clear();
        _ticket = null;
        Generation++;
        SignalIfDrained();
    }

    // Every way in flight empties ends a drain: the last settlement, a rewind (the failed event and those after it are
    // then the next owner's), a change of member or the release.
    private void SignalIfDrained()
    {
        if (_drained is not null && _inFlight.IsEmpty)
        {
            _drained.TrySetResult();
            _drained = null;
        }
    }
}
