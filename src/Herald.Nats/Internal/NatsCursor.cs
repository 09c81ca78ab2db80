using Herald.Events;
using Herald.Transports.Partitioned;
using NATS.Client.JetStream;

namespace Herald.Nats.Internal;

/// <summary>A consumer group's cursor on one partition: the partition's durable pull consumer, read ahead into a buffer
/// that keeps every message until the group commits past it.</summary>
/// <remarks>
/// <para>Offsets are stream sequences. The cursor holds every message it pulled and the group has not committed, handed
/// out or not, and keeps them all in progress on the server (<see cref="NatsPullLoop"/>), so a seek back is local: a
/// redelivery never goes through the server, whose NAKed messages come back on its own timer and out of order.
/// <see cref="Commit"/> acks what the group passed, confirmed in the background.</para>
/// <para>Offsets are not contiguous (other partitions' messages lie between them), so a missing message does not show in
/// them. The cursor holds everything back while it may be missing one: when it opens (another holder may have had messages
/// out: a process left or died, a lease moved) and whenever the consumer's delivery sequence skips (a delivery was lost in
/// transit, the server stopped with a pull in flight) or goes back. The hold ends once the server's <c>NumAckPending</c>
/// for the consumer equals what the cursor holds, with no ack of its own in flight and nothing changed meanwhile: every
/// message delivered and not acked is here (a lost one counts there until <c>AckWait</c> brings it again), and the cursor
/// hands out in stream order from there. Without it the group would commit past the lost message and, delivered again
/// below the committed position, it would be acked unhandled. Closing, it lets its last pull end, waits for its acks, and
/// hands what it holds back (NAKed, in order, delayed past any pull request of its own the server may still hold) before
/// the next holder starts.</para>
/// <para>The kernel calls the cursor under its group's lock; the pull loop adds messages from its own thread, so the
/// buffer has a lock of its own.</para>
/// </remarks>
internal sealed class NatsCursor : PartitionCursor
{
    private readonly SortedList<ulong, INatsJSMsg<byte[]>> _held = [];
    private readonly NatsTopic _topic;
    private readonly NatsPullLoop _loop;
    private TaskCompletionSource<bool>? _signal;
    private ulong _position;
    private ulong _committed;
    private TaskCompletionSource? _changed;
    private ulong _lastDelivery;
    private long _version;
    private bool _holding = true;
    private bool _closed;

    public NatsCursor(NatsTopic topic, string group, int partition)
    {
        _topic = topic;
        Group = group;
        Partition = partition;
        _loop = new NatsPullLoop(topic, this, NatsNames.Consumer(group, partition));
    }

    public string Group { get; }

    public int Partition { get; }

    /// <summary>Guards the buffer and the hold against the pull loop.</summary>
    public Lock Sync { get; } = new();

    /// <summary>Zero, before every stream sequence: the consumer's ack floor is where the server starts, and reading starts at the first message held.</summary>
    public override long StartOffset => 0;

    /// <summary>None: a redelivery's delay is kept in this process; after a restart what the group did not commit comes again at once.</summary>
    public override PartitionRedelivery? Redelivery => null;

    /// <summary>Gets whether the cursor holds everything back because a delivered message may be missing. Caller holds <see cref="Sync"/>.</summary>
    public bool Holding => _holding;

    /// <summary>Gets a number that changes whenever a message arrives or is committed. Caller holds <see cref="Sync"/>.</summary>
    public long Version => _version;

    /// <summary>Gets how many messages the cursor holds. Caller holds <see cref="Sync"/>.</summary>
    public int HeldCount => _held.Count;

    /// <summary>Gets a snapshot of the messages held, to keep them in progress on the server.</summary>
    public List<INatsJSMsg<byte[]>> Snapshot()
    {
        lock (Sync)
        {
            return [.. _held.Values];
        }
    }

    public void Start() => _loop.Start();

    public override int Read(List<SourceMessage> messages, int maxCount)
    {
        lock (Sync)
        {
            if (!Releasable())
            {
                return 0;
            }

            var added = 0;
            for (var i = FirstAtOrAfter(_position); i < _held.Count && added < maxCount; i++)
            {
                var sequence = _held.Keys[i];
                messages.Add(Message(sequence, _held.Values[i]));
                _position = sequence + 1;
                added++;
            }

            return added;
        }
    }

    public override Task<bool>? GetDataSignal()
    {
        lock (Sync)
        {
            return Releasable() && FirstAtOrAfter(_position) < _held.Count ? null : (_signal ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    public override void Seek(long offset)
    {
        lock (Sync)
        {
            _position = (ulong)offset;
        }
    }

    public override void Commit(long nextOffset)
    {
        List<(ulong, INatsJSMsg<byte[]>)> acks = [];
        lock (Sync)
        {
            _committed = (ulong)nextOffset;
            _version++;
            Touch();
            while (_held.Count > 0 && _held.Keys[0] < (ulong)nextOffset)
            {
                acks.Add((_held.Keys[0], _held.Values[0]));
                _held.RemoveAt(0);
            }
        }

        foreach (var (sequence, message) in acks)
        {
            _loop.Acknowledge(message, sequence);
        }

        _loop.Wake();
    }

    public override ValueTask SaveRedeliveryAsync(PartitionRedelivery redelivery, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Stops pulling and hands back, in order, what the cursor holds; completes once the next holder may start.</summary>
    public override async ValueTask DisposeAsync()
    {
        lock (Sync)
        {
            _closed = true;
            Signal();
        }

        await _loop.StopAsync().ConfigureAwait(false);
        List<KeyValuePair<ulong, INatsJSMsg<byte[]>>> back;
        lock (Sync)
        {
            back = [.. _held];
            _held.Clear();
        }

        await _loop.HandBackAsync(back).ConfigureAwait(false);
    }

    /// <summary>Returns a task that completes at the next change while the cursor holds back. Caller holds <see cref="Sync"/>.</summary>
    public Task Changed() => (_changed ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Ends the hold if the consumer's <paramref name="ackPending"/>, read after <paramref name="version"/> with no
    /// ack in flight, counts exactly the messages held: none is missing.</summary>
    /// <param name="version">The <see cref="Version"/> before the consumer's state was read.</param>
    /// <param name="ackPending">The consumer's <c>NumAckPending</c>.</param>
    /// <param name="delivered">The consumer's last delivery sequence: the next message must follow it.</param>
    /// <returns>Whether the cursor hands out again.</returns>
    public bool Release(long version, long ackPending, ulong delivered)
    {
        lock (Sync)
        {
            if (!_holding || version != _version || ackPending != _held.Count)
            {
                return false;
            }

            _holding = false;
            _lastDelivery = delivered;
            Signal();
            return true;
        }
    }

    /// <summary>Wakes whoever waits for a change of a cursor that holds back. Caller holds <see cref="Sync"/>.</summary>
    public void Touch()
    {
        if (_holding)
        {
            _changed?.TrySetResult();
            _changed = null;
        }
    }

    /// <summary>Files a pulled message away, in stream order, and wakes the kernel.</summary>
    public void Add(INatsJSMsg<byte[]> message)
    {
        var pair = message.Metadata!.Value.Sequence;
        var (sequence, delivery) = (pair.Stream, pair.Consumer);
        lock (Sync)
        {
            if (_closed)
            {
                return;
            }

            _version++;
            if (delivery != _lastDelivery + 1)
            {
                // A delivery went missing (lost in transit, or into a pull request nobody reads any more) or the server
                // forgot some: hand nothing out until every message the server counts as delivered is here.
                _holding = true;
            }

            _lastDelivery = delivery;
            Touch();
            if (sequence >= _committed)
            {
                // Delivered again while held (AckWait passed, or the server restarted): not handed out twice, but settled
                // through the newest delivery, because the server ignores an ack or NAK that names an older one.
                _held[sequence] = message;
                Signal();
                return;
            }
        }

        // Committed already, and delivered again because its ack was lost while the server restarted: acked again, never
        // held, so it takes no room in the window and is not handed out twice.
        _loop.Acknowledge(message, sequence);
    }

    // Caller holds Sync.
    private bool Releasable() => !_closed && !_holding;

    // Caller holds Sync: the index of the first message held at or after the sequence.
    private int FirstAtOrAfter(ulong sequence)
    {
        var keys = _held.Keys;
        int low = 0, high = keys.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (keys[middle] < sequence)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private void Signal()
    {
        _signal?.TrySetResult(true);
        _signal = null;
    }

    // An unreadable message is handed out in its place, as what could be read of it, so the pipeline dead-letters it in order.
    private SourceMessage Message(ulong sequence, INatsJSMsg<byte[]> message)
    {
        try
        {
            return new SourceMessage((long)sequence, NatsEnvelopeCodec.Read(message.Headers, message.Data ?? [], _topic.Limits));
        }
        catch (Exception e) when (e is EventFormatException or EventTooLargeException)
        {
            var envelope = NatsUnreadableMessage.ToEnvelope(message, _topic.Stream, _topic.Limits, e, _topic.TimeProvider.GetUtcNow());
            NatsLog.Unreadable(_topic.Logger, sequence, _topic.Stream, message.Subject, Group, envelope.EventId, e);
            return new SourceMessage((long)sequence, envelope, e);
        }
    }
}
