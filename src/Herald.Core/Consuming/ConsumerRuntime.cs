using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Hosting;
using Herald.Internal;
using Herald.Publishing;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Consuming;

/// <summary>Joins every subscription's consumer group and runs its members, in the background or driven by a caller.</summary>
internal sealed class ConsumerRuntime(
    HeraldModel model,
    ITransport transport,
    IServiceScopeFactory scopes,
    IEventPublisher publisher,
    ObserverSet observers,
    IDeadLetterStore deadLetterStore,
    ReorderPositions reorderPositions,
    TimeProvider timeProvider,
    ILoggerFactory? loggerFactory = null) : IConsumerDriver, IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan LoopRestartDelay = TimeSpan.FromSeconds(1);
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Herald.Consuming");
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly SemaphoreSlim _driverGate = new(1, 1);
    private List<ConsumerMember>? _members;
    private Task[]? _loops;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_members is not null)
        {
            throw new InvalidOperationException("Herald's consumers are already running or driven through IConsumerDriver.");
        }

        _members = await JoinAsync(cancellationToken).ConfigureAwait(false);
        _loops = _members.Select(member => Task.Run(() => RunAsync(member), CancellationToken.None)).ToArray();
        foreach (var subscription in model.Subscriptions)
        {
            LogMessages.ConsumerStarted(_logger, subscription.Group, subscription.Topic, subscription.Options.Members);
        }
    }

    /// <summary>Stops fetching, lets in-flight handlers finish until <paramref name="cancellationToken"/> fires, then leaves the groups.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loops is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogMessages.DrainTimedOut(_logger);
            await _abort.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }

        await LeaveAsync().ConfigureAwait(false);
        LogMessages.ConsumersStopped(_logger);
    }

    public async ValueTask<int> ProcessAvailableAsync(CancellationToken cancellationToken = default)
    {
        if (_loops is not null)
        {
            throw new InvalidOperationException("Herald's background consumers are running; IConsumerDriver drives consumers only when the host's consumers are not started.");
        }

        await _driverGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _members ??= await JoinAsync(cancellationToken).ConfigureAwait(false);
            var processed = 0;
            foreach (var member in _members)
            {
                if (member.Processor.Breaker?.RemainingBreak() > TimeSpan.Zero)
                {
                    continue;
                }

                processed += await member.ProcessAvailableAsync(CancellationToken.None, cancellationToken).ConfigureAwait(false);
            }

            return processed;
        }
        finally
        {
            _driverGate.Release();
        }
    }

    public DateTimeOffset? GetNextDueTime()
    {
        var now = timeProvider.GetUtcNow();
        DateTimeOffset? next = null;
        foreach (var member in Volatile.Read(ref _members) ?? [])
        {
            Consider(member.Processor.NextReturn(now));
            Consider(member.Keyed?.NextDue);
            if (member.Processor.Breaker?.RemainingBreak() is { } pause && pause > TimeSpan.Zero)
            {
                Consider(now + pause);
            }
        }

        return next;

        void Consider(DateTimeOffset? at)
        {
            if (at > now && (next is null || at < next))
            {
                next = at;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        await LeaveAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _abort.Dispose();
        _driverGate.Dispose();
    }

    /// <summary>Stops at once, without draining: for containers disposed synchronously.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        _abort.Cancel();
        // Listeners only offer asynchronous disposal; a synchronous container dispose has no other way to leave the groups.
        LeaveAsync().GetAwaiter().GetResult();
    }

    private async Task<List<ConsumerMember>> JoinAsync(CancellationToken cancellationToken)
    {
        var members = new List<ConsumerMember>();
        foreach (var subscription in model.Subscriptions)
        {
            var breaker = subscription.Options.CircuitBreaker is { } options ? new SubscriptionBreaker(subscription, options, timeProvider, _logger) : null;
            var parking = subscription.Options.KeepKeyOrderOnDeadLetter ? new KeyParking(subscription, deadLetterStore, transport, timeProvider) : null;
            var deadLetters = new DeadLetterWriter(deadLetterStore, observers, timeProvider, _logger, parking);
            var processor = new DeliveryProcessor(subscription, scopes, publisher, observers, deadLetters, timeProvider, _logger, breaker, parking);
            for (var i = 0; i < subscription.Options.Members; i++)
            {
                var listener = await transport.ListenAsync(subscription.Topic, subscription.Group, cancellationToken).ConfigureAwait(false);
                members.Add(Member(listener, processor));
            }

            // Redriven dead letters come back through a topic only this group reads.
            var redrives = await transport.ListenAsync(Names.RedriveTopic(subscription.Topic, subscription.Group), subscription.Group, cancellationToken).ConfigureAwait(false);
            members.Add(Member(redrives, processor));
        }

        return members;
    }

    /// <summary>Waits until the member's transport has deliveries or one of its key lanes is due; false once the listener is closed.</summary>
    private async Task<bool> WaitAsync(ConsumerMember member, CancellationToken stopping)
    {
        if (member.Keyed is not { } keyed)
        {
            return await member.Listener.WaitToReceiveAsync(stopping).ConfigureAwait(false);
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var waits = new List<Task>(2);
        Task<bool>? receive = null;
        if (keyed.Room > 0)
        {
            receive = member.Listener.WaitToReceiveAsync(timer.Token).AsTask();
            waits.Add(receive);
        }

        if (keyed.NextDue is { } due)
        {
            var wait = due - timeProvider.GetUtcNow();
            waits.Add(Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, timeProvider, timer.Token));
        }

        if (waits.Count == 0)
        {
            // Full of deliveries that all wait on a key whose event is being retried: look again shortly.
            waits.Add(Task.Delay(LoopRestartDelay, timeProvider, timer.Token));
        }

        var first = await Task.WhenAny(waits).ConfigureAwait(false);
        await timer.CancelAsync().ConfigureAwait(false);
        stopping.ThrowIfCancellationRequested();
        return first != receive || await receive.ConfigureAwait(false);
    }

    private ConsumerMember Member(ITransportListener listener, DeliveryProcessor processor)
    {
        var subscription = processor.Subscription;
        var options = subscription.Options;
        if (options.MaxConcurrentKeys == 1 && options.Reorder is null)
        {
            return new(listener, processor);
        }

        SequenceGate? gate = null;
        if (options.Reorder is { } reorder)
        {
            gate = new SequenceGate(subscription, reorder, reorderPositions.Store, timeProvider);
            // Reported by the subscription's herald.consumer.reorder.buffered gauge.
            processor.Telemetry?.Track(gate);
        }

        return new(listener, processor, new KeyedProcessor(processor, timeProvider, _logger, gate));
    }

    private async Task LeaveAsync()
    {
        var members = Interlocked.Exchange(ref _members, []);
        foreach (var member in members ?? [])
        {
            await member.Listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RunAsync(ConsumerMember member)
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (member.Processor.Breaker?.RemainingBreak() is { } pause && pause > TimeSpan.Zero)
                {
                    // An open circuit stops fetching: events stay in the transport instead of burning retries.
                    await Task.Delay(pause, timeProvider, stopping).ConfigureAwait(false);
                    continue;
                }

                if (await member.ProcessAvailableAsync(stopping, _abort.Token).ConfigureAwait(false) == 0 && !await WaitAsync(member, stopping).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested || _abort.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A transport fault must not end the member; it restarts after a pause.
            catch (Exception e)
#pragma warning restore CA1031
            {
                var subscription = member.Processor.Subscription;
                LogMessages.ConsumerLoopFailed(_logger, e, subscription.Group, subscription.Topic, LoopRestartDelay);
                try
                {
                    await Task.Delay(LoopRestartDelay, timeProvider, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
