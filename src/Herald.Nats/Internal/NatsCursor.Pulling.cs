using System.Globalization;
using System.Text;
using System.Threading.Channels;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Herald.Nats.Internal;

/// <summary>The cursor's pull loop: one request at a time into one inbox, each asking for the room the cursor has.</summary>
internal sealed partial class NatsCursor
{
    // Pulls into one inbox, one request at a time, until the cursor closes; a lost connection or a restarting server does not end it.
    private async Task PullAsync()
    {
        var token = _stop.Token;
        INatsSub<byte[]>? inbox = null;
        var receiving = Task.CompletedTask;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (inbox is null)
                {
                    // Requests never ask for more than the channel holds, and receiving only files messages away.
                    var channel = new NatsSubChannelOpts { Capacity = (_topic.Options.MaxInFlightPerPartition * 2) + 16, FullMode = BoundedChannelFullMode.Wait };
                    // Not NewInbox(): a subscription under the connection's request inbox would take over its replies.
                    var connection = _topic.JetStream.Connection;
                    inbox = await connection.SubscribeCoreAsync<byte[]>($"{connection.Opts.InboxPrefix}.{Guid.NewGuid():N}", opts: new NatsSubOpts { ChannelOpts = channel }, cancellationToken: token).ConfigureAwait(false);
                    receiving = ReceiveAsync(inbox);
                }

                var want = await RoomAsync(token).ConfigureAwait(false);
                if (want > 0)
                {
                    await RequestAsync(inbox.Subject, want, token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // NATS.Net reconnects; the loop retries.
            catch (Exception e)
#pragma warning restore CA1031
            {
                NatsLog.PullFailed(_topic.Logger, _topic.Stream, _consumer, e);
                await Task.Delay(_topic.Options.FetchExpiry, _topic.TimeProvider, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        if (inbox is not null)
        {
            await inbox.UnsubscribeAsync().ConfigureAwait(false);
            await receiving.ConfigureAwait(false);
            await inbox.DisposeAsync().ConfigureAwait(false);
        }
    }

    // Asks for up to batch messages and returns once the request has ended; never cancelled, so what it brings is read.
    private async Task RequestAsync(string inbox, int batch, CancellationToken token)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            (_request, _remaining) = (ended, batch);
        }

        var expires = _topic.Options.FetchExpiry.Ticks * 100;
        var request = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $$"""{"batch":{{batch}},"expires":{{expires}}}"""));
        await _topic.JetStream.Connection.PublishAsync($"{_topic.JetStream.Opts.Prefix}.CONSUMER.MSG.NEXT.{_topic.Stream}.{_consumer}", request, replyTo: inbox, cancellationToken: token).ConfigureAwait(false);
        await ended.Task.WaitAsync(_topic.Options.FetchExpiry + Margin, _topic.TimeProvider, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Interlocked.Exchange(ref _status, 0) == 503)
        {
            // No responders: JetStream is still starting after a restart. Asking again at once would only spin.
            await Task.Delay(_topic.Options.FetchExpiry, _topic.TimeProvider, token).ConfigureAwait(false);
        }
    }

    private async Task ReceiveAsync(INatsSub<byte[]> inbox)
    {
        await foreach (var message in inbox.Msgs.ReadAllAsync().ConfigureAwait(false))
        {
            var status = message.Headers?.Code ?? 0;
            if (status == 100)
            {
                continue;
            }

            if (status == 0)
            {
                Add(new NatsJSMsg<byte[]>(message, _topic.JetStream));
            }
            else
            {
                // 408 request expired, 409 consumer deleted or leadership changed, 503 no responders, 404 nothing.
                Volatile.Write(ref _status, status);
            }

            lock (_sync)
            {
                if (status != 0 || --_remaining == 0)
                {
                    _request?.TrySetResult();
                    _request = null;
                }
            }
        }
    }

    /// <summary>Returns how many messages to pull now, waiting while the cursor holds more than half its limit.</summary>
    /// <remarks>Pulling as soon as one message is committed would turn a full cursor into one pull request per message.</remarks>
    private async Task<int> RoomAsync(CancellationToken token)
    {
        Task wait;
        lock (_sync)
        {
            var limit = _topic.Options.MaxInFlightPerPartition;
            var room = limit - _held.Count;
            if (_holding || room >= Math.Max(1, limit / 2))
            {
                // Holding back, what is missing comes only with a pull request and can outnumber the window (acks lost while
                // the server restarted count too), so the cursor pulls past it; the consumer's MaxAckPending bounds it.
                return _holding ? MaxFetch : Math.Min(room, MaxFetch);
            }

            wait = (_room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        await wait.WaitAsync(token).ConfigureAwait(false);
        return 0;
    }
}
