using Herald.Hosting;
using Herald.Log;
using Herald.Log.Groups;

namespace Herald.Transports.Embedded;

/// <summary>One partition a member of a group reads: its reader, what it handed out and what was completed, and its redelivery state.</summary>
internal sealed class EmbeddedPartitionState
{
    // Offsets handed out in this generation and not yet completed: the group moves only up to the first of them.
    private readonly SortedSet<long> _unsettled = [];
    private readonly EventLimits _limits;
    private long _completed;
    private long _pushed;
    private long _lastHanded = -1;
    private int _generation;
    private long _failedOffset = -1;
    private int _failedCount;
    private DateTimeOffset _failedSince;
    private EmbeddedDeliveryTicket? _ticket;

    public EmbeddedPartitionState(LogReader reader, long committed, RetryState? retry, EventLimits limits)
    {
        Reader = reader;
        _limits = limits;
        _completed = _pushed = committed;
        // A schedule left by an earlier run still applies while its event is not committed.
        if (retry is { } state && state.Offset >= committed)
        {
            Rewind(state);
        }
    }

    public LogReader Reader { get; }

    public int Partition => Reader.Partition.Id;

    public DateTimeOffset NotBefore { get; private set; }

    public bool IsCurrent(int generation) => Volatile.Read(ref _generation) == generation;

    public int Receive(List<TransportDelivery> deliveries, int maxCount)
    {
        var added = 0;
        _ticket ??= new EmbeddedDeliveryTicket(this, _generation);
        while (added < maxCount && TryRead(out var records))
        {
            long next = -1;
            foreach (var record in records)
            {
                if (added == maxCount)
                {
                    next = record.Offset;
                    break;
                }

                lock (_unsettled)
                {
                    _unsettled.Add(record.Offset);
                    _lastHanded = record.Offset;
                }

                var earlier = record.Offset == _failedOffset ? _failedCount : 0;
                // A record that is not a readable CloudEvent, or is over the limits, is still handed out, so it is dead-lettered, not skipped.
                var envelope = EnvelopeRecords.FromRecord(record, $"{Reader.Partition.Topic}-{Partition}@{record.Offset}", _limits, out var error);
                deliveries.Add(new TransportDelivery(envelope, Partition, record.Offset, earlier + 1)
                {
                    State = _ticket,
                    FirstFailedAt = earlier > 0 ? _failedSince : null,
                    Unreadable = error,
                });
                added++;
            }

            if (next >= 0)
            {
                Reader.Seek(next);
            }
        }

        return added;
    }

    // Damage met while reading marks the partition damaged (the log raises it once); what was read before it is handed out.
    private bool TryRead(out RecordSet records)
    {
        try
        {
            return Reader.TryRead(out records);
        }
        catch (LogCorruptedException)
        {
            records = default;
            return false;
        }
    }

    public void Complete(long offset)
    {
        lock (_unsettled)
        {
            if (!_unsettled.Remove(offset))
            {
                return;
            }

            var next = _unsettled.Count == 0 ? _lastHanded + 1 : _unsettled.Min;
            if (next > _completed)
            {
                Volatile.Write(ref _completed, next);
            }
        }

        if (offset >= Volatile.Read(ref _failedOffset))
        {
            Volatile.Write(ref _failedOffset, -1);
        }
    }

    public void Rewind(RetryState state)
    {
        Reader.Seek(state.Offset);
        _failedOffset = state.Offset;
        _failedCount = state.DeliveryCount;
        _failedSince = state.FirstFailedAt;
        NotBefore = state.NotBefore;
        // Deliveries read after the failed one are void: settling one of them must not move the group.
        Interlocked.Increment(ref _generation);
        _ticket = null;
        lock (_unsettled)
        {
            _unsettled.Clear();
            _lastHanded = -1;
        }
    }

    public void PushCommit(GroupMember member)
    {
        var completed = Volatile.Read(ref _completed);
        if (completed > _pushed)
        {
            member.Commit(Partition, completed);
            _pushed = completed;
        }
    }

    public void Revoke(GroupMember member)
    {
        PushCommit(member);
        Interlocked.Increment(ref _generation);
        Reader.Dispose();
    }
}
