using NATS.Client.JetStream;

namespace Herald.Nats.Internal;

/// <summary>The I/O of one <see cref="NatsCursor"/>: pulls its consumer in the background, keeps what it holds in progress,
/// and acks and NAKs with the server's confirmation.</summary>
/// <remarks>Pulls go through a <see cref="NatsPuller"/>, whose inbox outlives every request, so no delivery is lost to an abandoned one.</remarks>
#pragma warning disable CA1001 // _stop is disposed once the hand-back is done; nothing else outlives it.
internal sealed class NatsPullLoop(NatsTopic topic, NatsCursor cursor, string consumer)
#pragma warning restore CA1001
{
    private const int MaxFetch = 256;
    private static readonly TimeSpan HandBackMargin = TimeSpan.FromMilliseconds(500);
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(topic.Closing);
    private readonly HashSet<Task> _acks = [];
    private readonly Lock _sync = cursor.Sync;
    private TaskCompletionSource? _room;
    private Task _run = Task.CompletedTask;

    public void Start()
    {
        _run = RunAsync();
        _ = KeepAliveAsync();
        _ = CatchUpAsync();
    }

    /// <summary>Wakes a pull loop that waits for room.</summary>
    public void Wake()
    {
        lock (cursor.Sync)
        {
            _room?.TrySetResult();
            _room = null;
        }
    }

    /// <summary>Stops pulling; completes once the last pull request has ended.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Waits for the acks in flight, then NAKs <paramref name="back"/> in order, so the next holder sees the partition in order.</summary>
    public async Task HandBackAsync(List<KeyValuePair<ulong, INatsJSMsg<byte[]>>> back)
    {
        Task[] acks;
        lock (cursor.Sync)
        {
            acks = [.. _acks];
        }

        await Task.WhenAll(acks).ConfigureAwait(false);

        // The server may still hold a pull request of this cursor that the client no longer listens to (one that outlived
        // a reconnect, or whose client-side timer ended first): a message redelivered into it is lost until AckWait and the
        // next holder would wait for it. Delaying the redelivery past any such request's expiry avoids that.
        var delay = topic.Options.FetchExpiry + HandBackMargin;
        foreach (var (sequence, message) in back)
        {
            if (!await SettleAsync(message, sequence, ack: false, delay, CancellationToken.None).ConfigureAwait(false))
            {
                // The server is away: the rest come back after AckWait, and the next holder waits for them all the same.
                break;
            }
        }

        _stop.Dispose();
    }

    /// <summary>Acks a committed message with the server's confirmation, without making the group wait for it.</summary>
    /// <remarks>One confirmed ack at a time would cap a partition at one event per round trip; the hand-back waits for
    /// every ack still in flight, so the next holder never sees a completed event as pending.</remarks>
    public void Acknowledge(INatsJSMsg<byte[]> message, ulong sequence)
    {
        var ack = SettleAsync(message, sequence, ack: true, TimeSpan.Zero, CancellationToken.None);
        if (ack.IsCompleted)
        {
            return;
        }

        lock (cursor.Sync)
        {
            _acks.Add(ack);
        }

        _ = ack.ContinueWith(
            static (done, state) => ((NatsPullLoop)state!).Acknowledged(done),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Acknowledged(Task ack)
    {
        lock (_sync)
        {
            _acks.Remove(ack);
            cursor.Touch();
        }
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        await using var puller = new NatsPuller(topic, consumer, cursor.Add);
        while (!token.IsCancellationRequested)
        {
            try
            {
                await puller.StartAsync(token).ConfigureAwait(false);
                var want = await RoomAsync(token).ConfigureAwait(false);
                if (want > 0)
                {
                    await puller.PullAsync(want, token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // A lost connection or a restarting server must not end the loop: NATS.Net reconnects, the loop retries.
            catch (Exception e)
#pragma warning restore CA1031
            {
                NatsLog.PullFailed(topic.Logger, topic.Stream, consumer, e);
                await Task.Delay(topic.Options.FetchExpiry, topic.TimeProvider, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Returns how many messages to pull now, waiting while the cursor holds more than half its limit.</summary>
    /// <remarks>Pulling as soon as one message is committed would turn a full cursor into one pull request per message.</remarks>
    private async Task<int> RoomAsync(CancellationToken token)
    {
        Task wait;
        lock (cursor.Sync)
        {
            if (cursor.Holding)
            {
                // The messages held back for come only with a pull request, and can outnumber the window (acks lost while
                // the server restarted count too), so pull past it until they are all here; the consumer's MaxAckPending bounds it.
                return MaxFetch;
            }

            var limit = topic.Options.MaxInFlightPerPartition;
            var room = limit - cursor.HeldCount;
            if (room >= Math.Max(1, limit / 2))
            {
                return Math.Min(room, MaxFetch);
            }

            _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _room.Task;
        }

        await wait.WaitAsync(token).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Ends the cursor's hold once the consumer's <c>NumAckPending</c> shows that every message delivered and not acked is here.</summary>
    /// <remarks>Asks after every change while the cursor holds back, and at least every <see cref="NatsTransportOptions.FetchExpiry"/>
    /// (another holder's acks change the count too); only while no ack of the cursor is in flight, which the count would
    /// include or not.</remarks>
    private async Task CatchUpAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Task changed;
            long version;
            bool ask;
            lock (_sync)
            {
                changed = cursor.Changed();
                version = cursor.Version;
                ask = cursor.Holding && _acks.Count == 0;
            }

            try
            {
                if (ask)
                {
                    var info = (await topic.JetStream.GetConsumerAsync(topic.Stream, consumer, token).ConfigureAwait(false)).Info;
                    if (cursor.Release(version, info.NumAckPending, info.Delivered.ConsumerSeq))
                    {
                        continue;
                    }
                }

                await changed.WaitAsync(ask ? topic.Options.FetchExpiry : Timeout.InfiniteTimeSpan, topic.TimeProvider, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
#pragma warning disable CA1031 // The server is away: asked again after FetchExpiry; the cursor holds back meanwhile.
            catch (Exception e) when (!token.IsCancellationRequested)
#pragma warning restore CA1031
            {
                NatsLog.PullFailed(topic.Logger, topic.Stream, consumer, e);
                await Task.Delay(topic.Options.FetchExpiry, topic.TimeProvider, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Tells the server, every third of <c>AckWait</c>, that every message held is still being worked on.</summary>
    /// <remarks>So <c>AckWait</c> bounds how long a dead process's messages stay out, not how long a handler may run or a
    /// redelivery may wait: what this cursor holds is not delivered again while it lives.</remarks>
    private async Task KeepAliveAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            await Task.Delay(topic.Options.AckWait / 3, topic.TimeProvider, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var message in token.IsCancellationRequested ? [] : cursor.Snapshot())
            {
                try
                {
                    await message.AckProgressAsync(cancellationToken: token).ConfigureAwait(false);
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

    /// <summary>Acks or NAKs with the server's confirmation, retrying while it is away.</summary>
    /// <remarks>
    /// A plain ack is fire-and-forget, and one sent while the server restarts (connected, JetStream still loading)
    /// is dropped: the event would come again after <c>AckWait</c>, out of order, and a cursor taking the partition
    /// over would wait for it. Confirmed settlements cost a round trip each and close that gap.
    /// </remarks>
    /// <returns>Whether the server confirmed it.</returns>
    private async Task<bool> SettleAsync(INatsJSMsg<byte[]> message, ulong sequence, bool ack, TimeSpan delay, CancellationToken cancellationToken)
    {
        const int Attempts = 10;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (ack)
                {
                    await message.AckAsync(new AckOpts { DoubleAck = true }, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await message.NakAsync(new AckOpts { DoubleAck = true, NakDelay = delay > TimeSpan.Zero ? delay : null }, cancellationToken).ConfigureAwait(false);
                }

                return true;
            }
#pragma warning disable CA1031 // Unsettled, the server delivers the message again after AckWait (at-least-once); the hold on takeover keeps order.
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                if (attempt == Attempts || e is ObjectDisposedException)
                {
                    NatsLog.SettleFailed(topic.Logger, sequence, topic.Stream, e);
                    return false;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), topic.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
