using System.Globalization;
using System.Text;
using System.Threading.Channels;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Herald.Nats.Internal;

/// <summary>Pulls from one durable consumer into one inbox that lives as long as the puller, one pull request at a time.</summary>
/// <remarks>
/// <para>A pull request's messages go to the request's reply subject. A fetch that listens on a fresh inbox per
/// request and stops listening when its own timer or count says the request is over loses whatever the server still
/// sends to it: after a reconnect the client re-sends a fetch's request with its original batch, so the server
/// delivers more than the fetch still counts on, into an inbox nobody reads, and those messages stay out until
/// <c>AckWait</c> while newer ones are handed out. Here every request names the same inbox and every message that
/// reaches it is kept, whichever request it answers, so a late delivery is only early for the next request.</para>
/// <para>A request ends when its batch has arrived, when the server answers with a status (408 expired, 409 …), or
/// when <see cref="NatsTransportOptions.FetchExpiry"/> and a margin have passed without either (the server restarted
/// and forgot it). Requests are never cancelled and the inbox stays subscribed until the last one has ended.</para>
/// </remarks>
internal sealed class NatsPuller : IAsyncDisposable
{
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);
    private readonly NatsTopic _topic;
    private readonly string _requestSubject;
    private readonly Action<INatsJSMsg<byte[]>> _deliver;
    private readonly Lock _sync = new();
    private INatsSub<byte[]>? _inbox;
    private Task _receiving = Task.CompletedTask;
    private TaskCompletionSource? _request;
    private long _remaining;
    private int _status;

    public NatsPuller(NatsTopic topic, string consumer, Action<INatsJSMsg<byte[]>> deliver)
    {
        _topic = topic;
        _requestSubject = $"{topic.JetStream.Opts.Prefix}.CONSUMER.MSG.NEXT.{topic.Stream}.{consumer}";
        _deliver = deliver;
    }

    /// <summary>Subscribes the inbox, once.</summary>
    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (_inbox is not null)
        {
            return;
        }

        var connection = _topic.JetStream.Connection;
        // Requests never ask for more than the channel holds, and the reading loop only files messages away: Wait never
        // blocks the connection for long, and nothing is dropped.
        var channel = new NatsSubChannelOpts { Capacity = (_topic.Options.MaxInFlightPerPartition * 2) + 16, FullMode = BoundedChannelFullMode.Wait };
        // Not NewInbox(): a subscription under the connection's request inbox would take over its replies.
        var subject = $"{connection.Opts.InboxPrefix}.{Guid.NewGuid():N}";
        _inbox = await connection.SubscribeCoreAsync<byte[]>(subject, opts: new NatsSubOpts { ChannelOpts = channel }, cancellationToken: cancellationToken);
        _receiving = ReceiveAsync(_inbox);
    }

    /// <summary>Asks for up to <paramref name="batch"/> messages and returns once the request has ended.</summary>
    public async Task PullAsync(int batch, CancellationToken cancellationToken)
    {
        var inbox = _inbox ?? throw new InvalidOperationException("The puller is not started.");
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            _request = ended;
            _remaining = batch;
        }

        var expires = (long)(_topic.Options.FetchExpiry.Ticks * 100);
        var request = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $$"""{"batch":{{batch}},"expires":{{expires}}}"""));
        await _topic.JetStream.Connection.PublishAsync(_requestSubject, request, replyTo: inbox.Subject, cancellationToken: cancellationToken);
        try
        {
            // Not cancelled by the caller: what the request brings must reach the inbox while it is read.
            await ended.Task.WaitAsync(_topic.Options.FetchExpiry + Margin, _topic.TimeProvider, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            // Forgotten by the server (it restarted) or answered late: the next request starts afresh.
        }

        if (Interlocked.Exchange(ref _status, 0) == 503)
        {
            // No responders: JetStream is still starting after a restart. Asking again at once would only spin.
            await Task.Delay(_topic.Options.FetchExpiry, _topic.TimeProvider, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_inbox is { } inbox)
        {
            await inbox.UnsubscribeAsync();
            await _receiving;
            await inbox.DisposeAsync();
        }
    }

    private async Task ReceiveAsync(INatsSub<byte[]> inbox)
    {
        await foreach (var message in inbox.Msgs.ReadAllAsync())
        {
            if (message.Headers is { Code: > 0 } status)
            {
                if (status.Code != 100)
                {
                    // 408 request expired, 409 consumer deleted or leadership changed, 503 no responders, 404 nothing.
                    Volatile.Write(ref _status, status.Code);
                    End();
                }

                continue;
            }

            _deliver(new NatsJSMsg<byte[]>(message, _topic.JetStream));
            lock (_sync)
            {
                if (--_remaining == 0)
                {
                    End();
                }
            }
        }
    }

    private void End()
    {
        lock (_sync)
        {
            _request?.TrySetResult();
            _request = null;
        }
    }
}
