using Herald.Events;
using Herald.Transports.Partitioned;
using NATS.Client.JetStream;

namespace Herald.Nats.Internal;

/// <summary>A consumer group's cursor on one partition: the partition's durable pull consumer, pulled in the background into
/// a buffer that keeps every message until the group commits past it.</summary>
/// <remarks>
/// <para>Offsets are stream sequences. The cursor holds every message it pulled and the group has not committed, handed out
/// or not, and keeps them in progress on the server (<c>AckProgress</c> every <c>AckWait / 3</c>, so <c>AckWait</c> bounds
/// only how long a dead process's messages stay out), so a seek back is local: a redelivery never goes through the server,
/// whose NAKed messages come back on its own timer and out of order. <see cref="Commit"/> acks what the group passed, with
/// the server's confirmation (a plain ack sent while the server restarts is dropped), in the background.</para>
/// <para>Offsets are not contiguous (other partitions' messages lie between them), so a missing message does not show in
/// them. The cursor holds everything back while it may be missing one: when it opens (another holder may have had messages
/// out: a process left or died, a lease moved) and whenever the consumer's delivery sequence skips (a delivery was lost in
/// transit, the server stopped with a pull in flight) or goes back. While it holds back it sends no ack (what the group
/// commits meanwhile is acked when the hold ends), and the hold ends once the server's <c>NumAckPending</c> equals the
/// messages the cursor has whose delivery the answer covers (consumer sequence up to the answer's last delivered one), read
/// with no ack of its own in flight: every message delivered and not acked is then here (a lost one counts there until
/// <c>AckWait</c> brings it again; one still in transit too), and the cursor hands out in stream order from there. Messages
/// that keep arriving do not keep the hold from ending, so a cursor that opens under load hands out within one round trip.
/// Without the hold the group would commit past the lost message and, delivered again below the committed position, it
/// would be acked unhandled.</para>
/// <para>Every pull request names one inbox that lives as long as the cursor, and every message that reaches it is kept,
/// whichever request it answers: after a reconnect the client re-sends a request with its original batch, and a fetch that
/// stopped listening would lose what the server still sends. A request ends when its batch has arrived, when the server
/// answers with a status (408 expired, 409, 503 …), or a margin after its expiry (the server restarted and forgot it).</para>
/// <para>Closing, the cursor lets its last pull end, waits for its acks, and hands what it holds back (NAKed, in order,
/// delayed past any pull request of its own the server may still hold) before the next holder starts.</para>
/// <para>The kernel calls the cursor under its group's lock; the background loops take the cursor's own.</para>
/// </remarks>
internal sealed partial class NatsCursor : PartitionCursor
{
    private const int MaxFetch = 256;
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HandBackMargin = TimeSpan.FromMilliseconds(500);
    private readonly SortedList<ulong, INatsJSMsg<byte[]>> _held = [];
    // Committed while the cursor holds back, acked when the hold ends.
    private readonly SortedList<ulong, INatsJSMsg<byte[]>> _deferred = [];
    private readonly HashSet<Task> _acks = [];
    private readonly Lock _sync = new();
    private readonly NatsTopic _topic;
    private readonly string _group;
    private readonly string _consumer;
    private readonly CancellationTokenSource _stop;
    private TaskCompletionSource<bool>? _signal;
    private TaskCompletionSource? _changed, _room, _request;
    private Task _run = Task.CompletedTask;
    private ulong _position, _committed, _lastDelivery;
    private long _remaining;
    private int _status;
    private bool _holding = true, _closed;

    public NatsCursor(NatsTopic topic, string group, int partition)
    {
        (_topic, _group, _consumer) = (topic, group, NatsNames.Consumer(group, partition));
        _stop = CancellationTokenSource.CreateLinkedTokenSource(topic.Closing);
    }

    /// <summary>Zero, before every stream sequence: the consumer's ack floor is where the server starts, and reading starts at the first message held.</summary>
    public override long StartOffset => 0;

    /// <summary>None: a redelivery's delay is kept in this process; after a restart what the group did not commit comes again at once.</summary>
    public override PartitionRedelivery? Redelivery => null;

    public void Start()
    {
        _run = PullAsync();
        _ = TendAsync();
    }

    public override int Read(List<SourceMessage> messages, int maxCount)
    {
        lock (_sync)
        {
            var added = 0;
            for (var i = FirstAtOrAfter(_position); Releasable() && i < _held.Count && added < maxCount; i++, added++)
            {
                messages.Add(Message(_held.Keys[i], _held.Values[i]));
                _position = _held.Keys[i] + 1;
            }

            return added;
        }
    }

    public override Task<bool>? GetDataSignal()
    {
        lock (_sync)
        {
            return Releasable() && FirstAtOrAfter(_position) < _held.Count ? null : (_signal ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    public override void Seek(long offset)
    {
        lock (_sync)
        {
            _position = (ulong)offset;
        }
    }

    public override void Commit(long nextOffset)
    {
        List<(ulong, INatsJSMsg<byte[]>)> acks = [];
        lock (_sync)
        {
            _committed = (ulong)nextOffset;
            while (_held.Count > 0 && _held.Keys[0] < (ulong)nextOffset)
            {
                if (_holding)
                {
                    _deferred[_held.Keys[0]] = _held.Values[0];
                }
                else
                {
                    acks.Add((_held.Keys[0], _held.Values[0]));
                }

                _held.RemoveAt(0);
            }

            Touch();
            _room?.TrySetResult();
            _room = null;
        }

        foreach (var (sequence, message) in acks)
        {
            Acknowledge(message, sequence);
        }
    }

    public override ValueTask SaveRedeliveryAsync(PartitionRedelivery redelivery, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Stops pulling and hands back, in order, what the cursor holds; completes once the next holder may start.</summary>
    public override async ValueTask DisposeAsync()
    {
        lock (_sync)
        {
            _closed = true;
            Signal();
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Task[] acks;
        List<KeyValuePair<ulong, INatsJSMsg<byte[]>>> back;
        lock (_sync)
        {
            (acks, back) = ([.. _acks], [.. _held]);
            _held.Clear();
        }

        await Task.WhenAll(acks).ConfigureAwait(false);
        await AcknowledgeDeferredAsync().ConfigureAwait(false);
        // The server may still hold a pull request of this cursor that the client no longer listens to: a message redelivered
        // into it would be lost until AckWait and the next holder would wait for it, so the redelivery waits past its expiry.
        foreach (var (sequence, message) in back)
        {
            if (!await SettleAsync(message, sequence, ack: false, _topic.Options.FetchExpiry + HandBackMargin).ConfigureAwait(false))
            {
                // The server is away: the rest come back after AckWait, and the next holder waits for them all the same.
                break;
            }
        }

        _stop.Dispose();
    }

    /// <summary>Ends the hold if the consumer's <c>NumAckPending</c>, read with no ack of the cursor in flight, counts exactly
    /// the messages the cursor has (held or committed, not acked) delivered up to <paramref name="delivered"/>; the next
    /// delivery must then follow it. What the group committed while the cursor held back is acked then.</summary>
    public bool Release(long ackPending, ulong delivered)
    {
        lock (_sync)
        {
            if (!_holding || _acks.Count > 0 || ackPending != DeliveredUpTo(_held, delivered) + DeliveredUpTo(_deferred, delivered))
            {
                return false;
            }

            (_holding, _lastDelivery) = (false, Math.Max(_lastDelivery, delivered));
            Signal();
        }

        _ = AcknowledgeDeferredAsync();
        return true;
    }

    /// <summary>Files a pulled message away, in stream order, and wakes the kernel.</summary>
    public void Add(INatsJSMsg<byte[]> message)
    {
        var pair = message.Metadata!.Value.Sequence;
        lock (_sync)
        {
            if (_closed)
            {
                return;
            }

            // A delivery went missing (lost in transit, or into a pull request nobody reads any more) or the server forgot
            // some: hand nothing out until every message the server counts as delivered is here.
            _holding |= pair.Consumer != _lastDelivery + 1;
            _lastDelivery = pair.Consumer;
            Touch();
            if (pair.Stream >= _committed)
            {
                // Delivered again while held (AckWait passed, or the server restarted): not handed out twice, but settled
                // through the newest delivery, because the server ignores an ack or NAK that names an older one.
                _held[pair.Stream] = message;
                Signal();
                return;
            }

            if (_holding)
            {
                _deferred[pair.Stream] = message;
                return;
            }
        }

        // Committed already, and delivered again because its ack was lost while the server restarted: acked again, never held.
        Acknowledge(message, pair.Stream);
    }

    // Caller holds _sync: how many of the messages have a delivery the server's answer up to that consumer sequence covers.
    private static int DeliveredUpTo(SortedList<ulong, INatsJSMsg<byte[]>> messages, ulong delivered)
    {
        var count = 0;
        foreach (var message in messages.Values)
        {
            count += message.Metadata!.Value.Sequence.Consumer <= delivered ? 1 : 0;
        }

        return count;
    }

    // Acks, in order, what the group committed while the cursor held back.
    private Task AcknowledgeDeferredAsync()
    {
        List<KeyValuePair<ulong, INatsJSMsg<byte[]>>> deferred;
        lock (_sync)
        {
            deferred = [.. _deferred];
            _deferred.Clear();
        }

        foreach (var (sequence, message) in deferred)
        {
            Acknowledge(message, sequence);
        }

        lock (_sync)
        {
            return Task.WhenAll(_acks);
        }
    }

    /// <summary>Acks a committed message with the server's confirmation, without making the group wait for it; closing waits for every ack in flight.</summary>
    private void Acknowledge(INatsJSMsg<byte[]> message, ulong sequence)
    {
        var ack = SettleAsync(message, sequence, ack: true, TimeSpan.Zero);
        if (!ack.IsCompleted)
        {
            lock (_sync)
            {
                _acks.Add(ack);
            }

            _ = ack.ContinueWith(
                done =>
                {
                    lock (_sync)
                    {
                        _acks.Remove(done);
                        Touch();
                    }
                },
                TaskScheduler.Default);
        }
    }

    /// <summary>Keeps what the cursor holds in progress on the server every third of <c>AckWait</c>, and ends a hold once the
    /// consumer's <c>NumAckPending</c> shows that every message delivered and not acked is here.</summary>
    /// <remarks>Holding back, it asks after every change and at least every <see cref="NatsTransportOptions.FetchExpiry"/> (another
    /// holder's acks change the count too), and only while no ack of the cursor is in flight, which the count may or may not include.</remarks>
    private async Task TendAsync()
    {
        var (token, clock, third) = (_stop.Token, _topic.TimeProvider, _topic.Options.AckWait / 3);
        var progressAt = clock.GetUtcNow() + third;
        while (!token.IsCancellationRequested)
        {
            (Task Changed, bool Ask) state;
            List<INatsJSMsg<byte[]>> held = [];
            lock (_sync)
            {
                state = ((_changed ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task, _holding && _acks.Count == 0);
                if (clock.GetUtcNow() >= progressAt)
                {
                    (held, progressAt) = ([.. _held.Values, .. _deferred.Values], clock.GetUtcNow() + third);
                }
            }

            try
            {
                foreach (var message in held)
                {
                    await message.AckProgressAsync(cancellationToken: token).ConfigureAwait(false);
                }

                var info = state.Ask ? (await _topic.JetStream.GetConsumerAsync(_topic.Stream, _consumer, token).ConfigureAwait(false)).Info : null;
                if (info is not null && Release(info.NumAckPending, info.Delivered.ConsumerSeq))
                {
                    continue;
                }

                var wait = TimeSpan.FromTicks(Math.Max(0, (progressAt - clock.GetUtcNow()).Ticks));
                await state.Changed.WaitAsync(state.Ask && wait > _topic.Options.FetchExpiry ? _topic.Options.FetchExpiry : wait, clock, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
#pragma warning disable CA1031 // The server is away: what is held comes again after AckWait (at-least-once); a hold asks again.
            catch (Exception e) when (!token.IsCancellationRequested)
#pragma warning restore CA1031
            {
                NatsLog.PullFailed(_topic.Logger, _topic.Stream, _consumer, e);
                await Task.Delay(_topic.Options.FetchExpiry, clock, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Acks or NAKs with the server's confirmation, retrying while it is away; returns whether the server confirmed it.</summary>
    private async Task<bool> SettleAsync(INatsJSMsg<byte[]> message, ulong sequence, bool ack, TimeSpan delay)
    {
        const int Attempts = 10;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var settling = ack ? message.AckAsync(new AckOpts { DoubleAck = true }).AsTask() : message.NakAsync(new AckOpts { DoubleAck = true, NakDelay = delay > TimeSpan.Zero ? delay : null }).AsTask();
                await settling.ConfigureAwait(false);
                return true;
            }
#pragma warning disable CA1031 // Unsettled, the server delivers the message again after AckWait (at-least-once); the hold keeps order.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (attempt == Attempts || e is ObjectDisposedException)
                {
                    NatsLog.SettleFailed(_topic.Logger, sequence, _topic.Stream, e);
                    return false;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), _topic.TimeProvider).ConfigureAwait(false);
            }
        }
    }

    // Caller holds _sync: wakes whoever waits for a change of a cursor that holds back.
    private void Touch()
    {
        if (_holding)
        {
            _changed?.TrySetResult();
            _changed = null;
        }
    }

    // Caller holds _sync.
    private bool Releasable() => !_closed && !_holding;

    // Caller holds _sync: the index of the first message held at or after the sequence.
    private int FirstAtOrAfter(ulong sequence)
    {
        int low = 0, high = _held.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            (low, high) = _held.Keys[middle] < sequence ? (middle + 1, high) : (low, middle);
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
            var envelope = NatsEnvelopeCodec.Unreadable(message, _topic.Stream, _topic.Limits, e, _topic.TimeProvider.GetUtcNow());
            NatsLog.Unreadable(_topic.Logger, sequence, _topic.Stream, message.Subject, _group, envelope.EventId, e);
            return new SourceMessage((long)sequence, envelope, e);
        }
    }
}
