using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using NATS.Client.JetStream;

namespace Herald.Nats.Internal;

/// <summary>Pulls one partition's durable consumer for the member that owns the partition, and hands its events out in stream order.</summary>
/// <remarks>
/// <para>Order is kept by the client, not trusted to the server: JetStream redelivers NAKed messages on its own timer
/// and a pull request in flight may return newer messages first. So every NAKed sequence is remembered
/// (<see cref="_awaiting"/>) and nothing after it is handed out until it is back. A reader that takes over a partition
/// with unacknowledged messages (a member left, the process restarted during a retry delay) does not know their
/// sequences, only their count and the highest one (<c>NumAckPending</c>, <c>Delivered</c>), and holds every newer
/// message until that many have arrived. This works because Herald completes a partition's events in order: every
/// unacknowledged message lies above the ack floor.</para>
/// <para>Pulls go through a <see cref="NatsPuller"/>, whose inbox outlives every request, so no delivery is lost to an
/// abandoned one. A reader that stops lets its last request end, then NAKs what it holds, in order and delayed past
/// any request of its own the server may still hold, before the next owner starts.</para>
/// State is guarded by the listener's lock. (Just over 300 lines: the order gate, the pull loop and the hand-back share
/// this state and one lifecycle; split, each part would have to expose the others' invariants.)
/// </remarks>
#pragma warning disable CA1001 // _stop is disposed by the reader's own run once it has handed back; nothing else outlives it.
internal sealed class NatsPartitionReader(NatsListener listener, NatsGroupPartition shared)
{
    private const int MaxFetch = 256;
    private static readonly TimeSpan HandBackMargin = TimeSpan.FromMilliseconds(500);
    private readonly SortedDictionary<ulong, INatsJSMsg<byte[]>> _buffer = [];
    private readonly SortedDictionary<ulong, INatsJSMsg<byte[]>> _outstanding = [];
    private readonly SortedSet<ulong> _awaiting = [];
    private readonly HashSet<Task> _acks = [];
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(listener.Group.Topic.Closing);
    private TaskCompletionSource? _room;
    private ulong _holdThrough;
    private long _holdCount;
    private bool _stopping;
    private Task _run = Task.CompletedTask;

    public NatsListener Listener { get; } = listener;

    public NatsGroupPartition Shared { get; } = shared;

    public int Generation { get; private set; }

    private NatsTopic Topic => Listener.Group.Topic;

    public void Run(Task previous)
    {
        _run = RunAsync(previous);
        _ = KeepAliveAsync();
    }

    /// <summary>Stops pulling; the returned task completes once everything held is handed back to the server.</summary>
    public Task Stop()
    {
        lock (Listener.Sync)
        {
            _stopping = true;
            _room?.TrySetResult();
        }

        Listener.Remove(this);
        _stop.Cancel();
        return _run;
    }

    /// <summary>Takes the next message that may be handed out, if any. Caller holds the listener's lock.</summary>
    public bool TryTake(out ulong sequence, [MaybeNullWhen(false)] out INatsJSMsg<byte[]> message)
    {
        if (!Releasable(out sequence))
        {
            message = null;
            return false;
        }

        _buffer.Remove(sequence, out message!);
        _awaiting.Remove(sequence);
        _outstanding.Add(sequence, message);
        return true;
    }

    /// <summary>Returns whether the head of the buffer may be handed out. Caller holds the listener's lock.</summary>
    public bool Releasable(out ulong head)
    {
        head = 0;
        if (_stopping || _buffer.Count == 0)
        {
            return false;
        }

        head = _buffer.Keys.First();
        if (_holdCount > 0)
        {
            if (_buffer.Keys.TakeWhile(s => s <= _holdThrough).Count() < _holdCount)
            {
                return false;
            }

            _holdCount = 0;
        }

        return _awaiting.Count == 0 || head <= _awaiting.Min;
    }

    /// <summary>Removes a handed-out message for settlement; false when the delivery is void. Caller holds the listener's lock.</summary>
    public bool TrySettle(DeliveryState state, ulong sequence, [MaybeNullWhen(false)] out INatsJSMsg<byte[]> message)
    {
        message = null;
        if (state.Generation != Generation || !_outstanding.Remove(sequence, out message))
        {
            return false;
        }

        _room?.TrySetResult();
        return true;
    }

    /// <summary>Takes back a handed-out message and everything after it, voiding their deliveries. Caller holds the listener's lock.</summary>
    public List<INatsJSMsg<byte[]>>? TryPutBack(DeliveryState state, ulong sequence)
    {
        if (state.Generation != Generation || !_outstanding.ContainsKey(sequence))
        {
            return null;
        }

        var back = _outstanding.Where(p => p.Key >= sequence).Concat(_buffer.Where(p => p.Key > sequence)).ToList();
        foreach (var (s, _) in back)
        {
            _outstanding.Remove(s);
            _buffer.Remove(s);
            _awaiting.Add(s);
        }

        Generation++;
        _room?.TrySetResult();
        return back.Select(p => p.Value).ToList();
    }

    private async Task RunAsync(Task previous)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var name = NatsNames.Consumer(Listener.Group.Name, Shared.Partition);
        var held = false;
        await using (var puller = new NatsPuller(Topic, name, Add))
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await puller.StartAsync(_stop.Token);
                    if (!held)
                    {
                        var consumer = await Topic.JetStream.GetConsumerAsync(Topic.Stream, name, _stop.Token);
                        Hold(consumer.Info.NumAckPending, consumer.Info.Delivered.StreamSeq);
                        held = true;
                    }

                    var want = await RoomAsync();
                    if (want > 0)
                    {
                        await puller.PullAsync(want, _stop.Token);
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    break;
                }
#pragma warning disable CA1031 // A lost connection or a restarting server must not end the reader: NATS.Net reconnects, the reader retries.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    NatsLog.PullFailed(Topic.Logger, Topic.Stream, name, e);
                    await Task.Delay(Topic.Options.FetchExpiry, Topic.TimeProvider, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }

        await HandBackAsync();
    }

    /// <summary>Tells the server, every third of <c>AckWait</c>, that every message held is still being worked on.</summary>
    /// <remarks>So <c>AckWait</c> bounds how long a dead member's messages stay out, not how long a handler may run: a
    /// slow handler, or an event waiting behind a retried one, is not delivered again while this member lives.</remarks>
    private async Task KeepAliveAsync()
    {
        var interval = Topic.Options.AckWait / 3;
        while (!_stop.IsCancellationRequested)
        {
            await Task.Delay(interval, Topic.TimeProvider, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            List<INatsJSMsg<byte[]>> held;
            lock (Listener.Sync)
            {
                if (_stopping)
                {
                    return;
                }

                held = [.. _outstanding.Values, .. _buffer.Values];
            }

            foreach (var message in held)
            {
                try
                {
                    await message.AckProgressAsync(cancellationToken: _stop.Token);
                }
#pragma warning disable CA1031 // Best effort: a message whose progress is not heard comes again after AckWait (at-least-once).
                catch (Exception)
#pragma warning restore CA1031
                {
                    break;
                }
            }
        }
    }

    private void Hold(long pending, ulong through)
    {
        lock (Listener.Sync)
        {
            _holdCount = pending;
            _holdThrough = through;
        }
    }

    /// <summary>Returns how many messages to pull now, waiting while the member holds more than half its limit.</summary>
    /// <remarks>Pulling as soon as one message is settled would turn a full member into one pull request per message.</remarks>
    private async Task<int> RoomAsync()
    {
        Task wait;
        var pullOne = false;
        lock (Listener.Sync)
        {
            var limit = Topic.Options.MaxInFlightPerPartition;
            var room = limit - _buffer.Count - _outstanding.Count;
            if (_holdCount > 0 && !_stopping)
            {
                // Taking over: the unacknowledged messages held back for can outnumber the window (acks lost while the
                // server restarted count too), so pull past it until they are all here; the consumer's MaxAckPending bounds it.
                return MaxFetch;
            }

            if (room >= Math.Max(1, limit / 2) || _stopping)
            {
                return Math.Clamp(room, 0, MaxFetch);
            }

            if (_buffer.Count > 0 && !Releasable(out _))
            {
                // Full of messages waiting for an earlier one, which the server redelivers only to a pull: pull one now and then.
                pullOne = true;
                wait = Task.Delay(Topic.Options.FetchExpiry, Topic.TimeProvider, _stop.Token);
            }
            else
            {
                _room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _room.Task;
            }
        }

        await wait.WaitAsync(_stop.Token);
        return pullOne ? 1 : 0;
    }

    private void Add(INatsJSMsg<byte[]> message)
    {
        Debug.Assert(message.Metadata is not null, "JetStream messages carry metadata.");
        var sequence = message.Metadata!.Value.Sequence.Stream;
        lock (Listener.Sync)
        {
            if (_outstanding.ContainsKey(sequence))
            {
                // Delivered again while the member handles it (AckWait passed, or the server restarted and redelivers
                // what was pending): not handed out twice, but settled through the newest delivery, because the server
                // ignores a NAK that names an older one, and the put-back event would wait for AckWait.
                _outstanding[sequence] = message;
                Shared.NotCounted([sequence]);
                return;
            }

            _buffer[sequence] = message;
            Listener.SignalLocked();
        }
    }

    /// <summary>Acks a completed message with the server's confirmation, without making the member wait for it.</summary>
    /// <remarks>One confirmed ack at a time per member would cap a partition at one event per round trip; the hand-back
    /// waits for every ack still in flight, so the next owner never sees a completed event as pending.</remarks>
    public void Acknowledge(INatsJSMsg<byte[]> message, ulong sequence)
    {
        var ack = SettleAsync(message, sequence, ack: true, TimeSpan.Zero, CancellationToken.None);
        if (ack.IsCompleted)
        {
            return;
        }

        lock (Listener.Sync)
        {
            _acks.Add(ack);
        }

        _ = ack.ContinueWith(
            static (done, state) =>
            {
                var reader = (NatsPartitionReader)state!;
                lock (reader.Listener.Sync)
                {
                    reader._acks.Remove(done);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task HandBackAsync()
    {
        Task[] acks;
        lock (Listener.Sync)
        {
            acks = [.. _acks];
        }

        await Task.WhenAll(acks);
        List<KeyValuePair<ulong, INatsJSMsg<byte[]>>> back;
        lock (Listener.Sync)
        {
            back = _outstanding.Concat(_buffer).OrderBy(p => p.Key).ToList();
            _outstanding.Clear();
            _buffer.Clear();
            _awaiting.Clear();
            Generation++;
        }

        // The server may still hold a pull request of this reader that the client no longer listens to (one that
        // outlived a reconnect, or whose client-side timer ended first): a message redelivered into it is lost until
        // AckWait and the next owner would wait for it. Delaying the redelivery past any such request's expiry avoids that.
        var delay = Topic.Options.FetchExpiry + HandBackMargin;
        Shared.NotCounted(back.Select(p => p.Key));
        foreach (var (sequence, message) in back)
        {
            await NakAsync(message, sequence, delay, CancellationToken.None);
        }

        _stop.Dispose();
    }

    public Task NakAsync(INatsJSMsg<byte[]> message, ulong sequence, TimeSpan delay, CancellationToken cancellationToken) =>
        SettleAsync(message, sequence, ack: false, delay, cancellationToken);

    /// <summary>Acks or NAKs with the server's confirmation, retrying while it is away.</summary>
    /// <remarks>
    /// A plain ack is fire-and-forget, and one sent while the server restarts (connected, JetStream still loading)
    /// is dropped: the event would come again after <c>AckWait</c>, out of order, and a member taking the partition
    /// over would wait for it. Confirmed settlements cost a round trip each and close that gap.
    /// </remarks>
    public async Task SettleAsync(INatsJSMsg<byte[]> message, ulong sequence, bool ack, TimeSpan delay, CancellationToken cancellationToken)
    {
        const int Attempts = 10;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (ack)
                {
                    await message.AckAsync(new AckOpts { DoubleAck = true }, cancellationToken);
                }
                else
                {
                    await message.NakAsync(new AckOpts { DoubleAck = true, NakDelay = delay > TimeSpan.Zero ? delay : null }, cancellationToken);
                }

                return;
            }
#pragma warning disable CA1031 // Unsettled, the server delivers the message again after AckWait (at-least-once); the hold on takeover keeps order.
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                if (attempt == Attempts || e is ObjectDisposedException)
                {
                    NatsLog.SettleFailed(Topic.Logger, sequence, Topic.Stream, e);
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), Topic.TimeProvider, cancellationToken);
            }
        }
    }
}
#pragma warning restore CA1001
