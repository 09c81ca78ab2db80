using Herald.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;

namespace Herald.Consuming;

/// <summary>A subscription's circuit breaker: Polly's, over the handler calls, plus when the group may fetch again.</summary>
internal sealed class SubscriptionBreaker
{
    private readonly TimeProvider _timeProvider;
    private long _openUntilTicks;
    private int _state;

    public SubscriptionBreaker(Subscription subscription, CircuitBreakerOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _timeProvider = timeProvider;
        var strategy = new CircuitBreakerStrategyOptions
        {
            FailureRatio = options.FailureRatio,
            MinimumThroughput = options.MinimumThroughput,
            SamplingDuration = options.SamplingDuration,
            BreakDuration = options.BreakDuration,
            ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is { } e && e is not OperationCanceledException),
            OnOpened = args =>
            {
                Volatile.Write(ref _openUntilTicks, (_timeProvider.GetUtcNow() + args.BreakDuration).UtcTicks);
                Volatile.Write(ref _state, 1);
                LogMessages.CircuitOpened(logger, subscription.Group, subscription.Topic, args.BreakDuration);
                return ValueTask.CompletedTask;
            },
            OnHalfOpened = _ =>
            {
                Volatile.Write(ref _state, 2);
                LogMessages.CircuitHalfOpened(logger, subscription.Group, subscription.Topic);
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                Volatile.Write(ref _openUntilTicks, 0);
                Volatile.Write(ref _state, 0);
                LogMessages.CircuitClosed(logger, subscription.Group, subscription.Topic);
                return ValueTask.CompletedTask;
            },
        };
        Pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }.AddCircuitBreaker(strategy).Build();
    }

    /// <summary>Gets the pipeline every handler call of the subscription goes through.</summary>
    public ResiliencePipeline Pipeline { get; }

    /// <summary>Gets the circuit's state, as the <c>herald.consumer.circuit.state</c> gauge reports it: 0 closed, 1 open, 2 half-open.</summary>
    public int State => Volatile.Read(ref _state);

    /// <summary>Returns how long the circuit stays open, or zero when the group may fetch (closed, or due for a probe).</summary>
    public TimeSpan RemainingBreak()
    {
        var remaining = new DateTimeOffset(Volatile.Read(ref _openUntilTicks), TimeSpan.Zero) - _timeProvider.GetUtcNow();
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }
}
