using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Events;
using Herald.Internal;
using Herald.Publishing;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;

namespace Herald.Consuming;

/// <summary>Runs one subscription's handlers over a batch of deliveries and settles each with the transport.</summary>
/// <remarks>
/// Deliveries are handled one at a time in batch order, which is offset order per partition. When
/// one fails, the rest of its partition in the batch is skipped: the transport redelivers them
/// after the failed one, so per-key order holds across retries. A delivery that fails its last
/// attempt, or cannot be read at all, goes to the group's dead-letter queue and is settled.
/// </remarks>
internal sealed class DeliveryProcessor(
    Subscription subscription,
    IServiceScopeFactory scopes,
    IEventPublisher publisher,
    ObserverSet observers,
    DeadLetterWriter deadLetters,
    TimeProvider timeProvider,
    ILogger logger,
    SubscriptionBreaker? breaker = null,
    KeyParking? parking = null)
{
    private readonly ConsumerTelemetry? _telemetry = observers.Metrics?.ForSubscription(subscription, breaker);

    // When each partition the processor put back comes again; a partition has one pending return at a time, so this holds
    // at most one entry per partition. Read only by a driver that moves a test clock (IConsumerDriver.GetNextDueTime).
    private readonly Dictionary<int, DateTimeOffset> _returns = [];

    public Subscription Subscription => subscription;

    /// <summary>Gets the subscription's instruments; <see langword="null"/> when the observers carry none.</summary>
    public ConsumerTelemetry? Telemetry => _telemetry;

    public SubscriptionBreaker? Breaker => breaker;

    public DeadLetterWriter DeadLetters => deadLetters;

    /// <summary>Reports an event dropped as a repeat of one the group handled (a sequence number at or below its key's position).</summary>
    public void ReportDuplicate(EventEnvelope envelope)
    {
        LogMessages.SequenceDuplicate(logger, subscription.Group, envelope.EventType, envelope.EventId, envelope.PartitionKey, envelope.Sequence);
        observers.Duplicate(envelope, subscription.Group);
    }

    /// <summary>Returns the earliest time after <paramref name="now"/> at which a partition this processor put back comes again.</summary>
    public DateTimeOffset? NextReturn(DateTimeOffset now)
    {
        lock (_returns)
        {
            DateTimeOffset? next = null;
            foreach (var at in _returns.Values)
            {
                if (at > now && (next is null || at < next))
                {
                    next = at;
                }
            }

            return next;
        }
    }

    /// <summary>Notes when <paramref name="delivery"/>'s partition comes again, and returns <paramref name="delay"/>.</summary>
    private TimeSpan Returns(TransportDelivery delivery, TimeSpan delay)
    {
        lock (_returns)
        {
            _returns[delivery.Partition] = timeProvider.GetUtcNow() + delay;
        }

        return delay;
    }

    /// <summary>Handles the batch; stops early, leaving deliveries unsettled, once <paramref name="stopping"/> is cancelled.</summary>
    /// <returns>How many deliveries were handled or failed.</returns>
    public async ValueTask<int> ProcessAsync(ITransportListener listener, List<TransportDelivery> batch, CancellationToken stopping, CancellationToken abort)
    {
        List<int>? failedPartitions = null;
        var processed = 0;
        var atMostOnce = subscription.Options.Acknowledgement == AcknowledgementMode.AtMostOnce;
        var index = 0;
        var currentSettled = false;
        try
        {
            for (; index < batch.Count; index++)
            {
                currentSettled = false;
                var delivery = batch[index];
                if (stopping.IsCancellationRequested)
                {
                    break;
                }

                if (failedPartitions is not null && failedPartitions.Contains(delivery.Partition))
                {
                    continue;
                }

                if (breaker?.RemainingBreak() is { } pause && pause > TimeSpan.Zero)
                {
                    // The circuit opened: put the event back untouched until the break ends, with the rest of its partition.
                    await listener.DeferAsync(delivery, Returns(delivery, pause), abort).ConfigureAwait(false);
                    (failedPartitions ??= []).Add(delivery.Partition);
                    processed++;
                    continue;
                }

                if (atMostOnce)
                {
                    // Acknowledged first: whatever happens next, the event does not come again.
                    await listener.CompleteAsync(delivery, abort).ConfigureAwait(false);
                    currentSettled = true;
                }

                var (outcome, failure) = await HandleAsync(delivery, abort).ConfigureAwait(false);
                switch (outcome)
                {
                    case Outcome.Aborted:
                        return processed;
                    case Outcome.Handled when !atMostOnce:
                        await listener.CompleteAsync(delivery, abort).ConfigureAwait(false);
                        break;
                    case Outcome.CircuitOpen when !atMostOnce:
                        await listener.DeferAsync(delivery, Returns(delivery, Max(breaker!.RemainingBreak(), subscription.Options.RedeliveryDelay)), abort).ConfigureAwait(false);
                        (failedPartitions ??= []).Add(delivery.Partition);
                        break;
                    case Outcome.Failed when atMostOnce:
                        await deadLetters.WriteAsync(subscription, delivery, failure! with { Reason = DeadLetterReason.FailedAtMostOnce }, abort).ConfigureAwait(false);
                        break;
                    case Outcome.Failed when failure!.Reason != DeadLetterReason.HandlerFailed || subscription.Options.IsLastDelivery(delivery.DeliveryCount):
                        // Written before the event is settled: a crash in between dead-letters it again, never loses it.
                        await deadLetters.WriteAsync(subscription, delivery, failure, abort).ConfigureAwait(false);
                        await listener.CompleteAsync(delivery, abort).ConfigureAwait(false);
                        break;
                    case Outcome.Failed:
                        var delay = subscription.Options.JitteredDelayFor(delivery.DeliveryCount, Random.Shared.NextDouble());
                        LogMessages.HandlerFailed(logger, failure.Exception, subscription.Group, delivery.Envelope.EventType, delivery.Envelope.EventId, failure.Attempts, delay);
                        await listener.RedeliverAsync(delivery, Returns(delivery, delay), abort).ConfigureAwait(false);
                        _telemetry?.Redelivered();
                        (failedPartitions ??= []).Add(delivery.Partition);
                        break;
                }

                processed++;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !abort.IsCancellationRequested)
        {
            // The loop restarts after this: what it read but did not settle must come again, not be skipped over.
            await RewindAsync(listener, batch, currentSettled ? index + 1 : index, failedPartitions).ConfigureAwait(false);
            throw;
        }

        return processed;
    }

    /// <summary>Puts back, without counting an attempt, the first of <paramref name="batch"/>'s unsettled deliveries
    /// from <paramref name="from"/> on in each partition; the transport brings the rest of the partition after it.</summary>
    private async ValueTask RewindAsync(ITransportListener listener, List<TransportDelivery> batch, int from, List<int>? failedPartitions)
    {
        var rewound = new List<int>();
        for (var i = from; i < batch.Count; i++)
        {
            var delivery = batch[i];
            if (rewound.Contains(delivery.Partition) || (failedPartitions?.Contains(delivery.Partition) ?? false))
            {
                continue;
            }

            rewound.Add(delivery.Partition);
            try
            {
                await listener.DeferAsync(delivery, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Best effort on a failing path: a transport that cannot take it back redelivers what stays unsettled.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogMessages.RewindFailed(logger, e, subscription.Group, delivery.Envelope.EventId, delivery.Partition);
            }
        }
    }

    /// <summary>Handles one delivery: the handler with its immediate retries; settles nothing.</summary>
    /// <remarks>Observed (span, instruments, log scope) only when someone listens; otherwise no diagnostics cost at all.</remarks>
    internal Task<(Outcome Outcome, DeliveryFailure? Failure)> HandleAsync(TransportDelivery delivery, CancellationToken abort) =>
        ProcessObservation.IsWanted(_telemetry, logger) ? HandleObservedAsync(delivery, abort) : HandleCoreAsync(delivery, abort);

    private async Task<(Outcome Outcome, DeliveryFailure? Failure)> HandleObservedAsync(TransportDelivery delivery, CancellationToken abort)
    {
        // In this async method, so the span and the scope are current for the handler and end with it.
        using var observation = ProcessObservation.Start(_telemetry, subscription, delivery, logger);
        try
        {
            var result = await HandleCoreAsync(delivery, abort).ConfigureAwait(false);
            observation.Complete(ErrorType(result.Outcome, result.Failure), result.Failure?.Exception);
            return result;
        }
        catch (Exception e)
        {
            observation.Complete(MessagingAttributes.ErrorTypeOf(e), e);
            throw;
        }
    }

    private static string? ErrorType(Outcome outcome, DeliveryFailure? failure) => outcome switch
    {
        Outcome.Handled => null,
        Outcome.Failed => MessagingAttributes.ErrorTypeOf(failure!.Exception),
        Outcome.CircuitOpen => typeof(BrokenCircuitException).FullName,
        _ => typeof(OperationCanceledException).FullName,
    };

    private async Task<(Outcome Outcome, DeliveryFailure? Failure)> HandleCoreAsync(TransportDelivery delivery, CancellationToken abort)
    {
        var envelope = delivery.Envelope;
        if (delivery.Unreadable is { } unreadableEnvelope)
        {
            observers.Failed(envelope, subscription.Group, 1, unreadableEnvelope);
            var reason = unreadableEnvelope is EventTooLargeException ? DeadLetterReason.TooLarge : DeadLetterReason.Undeserializable;
            return (Outcome.Failed, new DeliveryFailure(reason, unreadableEnvelope, null, 0, timeProvider.GetUtcNow()));
        }

        if (!subscription.TryGetHandler(envelope.EventType, out var binding))
        {
            LogMessages.EventIgnored(logger, subscription.Group, envelope.EventType, envelope.EventId);
            observers.Ignored(envelope, subscription.Group);
            return (Outcome.Handled, null);
        }

        // An event that cannot be read fails the same way on every attempt: straight to the dead-letter queue.
        if (parking is not null && await parking.ParkedBehindAsync(envelope, abort).ConfigureAwait(false) is { } head)
        {
            var parked = new ParkedBehindDeadLetterException(envelope.PartitionKey!, head);
            return (Outcome.Failed, new DeliveryFailure(DeadLetterReason.Parked, parked, binding.HandlerType, 0, timeProvider.GetUtcNow()) { ParkedBehind = head });
        }

        var (@event, unreadable) = Read(binding, envelope);
        if (unreadable is not null)
        {
            observers.Failed(envelope, subscription.Group, 1, unreadable.Exception);
            return (Outcome.Failed, unreadable);
        }

        var result = await InvokeAsync(delivery, binding, @event!, abort).ConfigureAwait(false);
        if (result.Outcome == Outcome.Handled && parking is not null)
        {
            await parking.HandledAsync(envelope, abort).ConfigureAwait(false);
        }

        return result;
    }

    private (object? Event, DeliveryFailure? Failure) Read(HandlerBinding binding, EventEnvelope envelope)
    {
        try
        {
            // An older version is upcast to the current one; the handler still gets the envelope as delivered.
            if (!Events.Upcasting.UpcasterChain.TryGetCurrentData(binding.Event, envelope, out var data, out var unsupported))
            {
                return (null, Failure(DeadLetterReason.UnsupportedVersion, unsupported));
            }

            return (EventSerializer.Deserialize(binding.Event, data.Span), null);
        }
        catch (EventFormatException e)
        {
            // Not JSON of the event type, not an object an upcaster can take, or an upcaster failed.
            return (null, Failure(DeadLetterReason.Undeserializable, e));
        }
#pragma warning disable CA1031 // Whatever reading throws, the event fails the same way on every attempt: it is the delivery's failure, never the consumer's.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var wrapped = new EventFormatException($"The payload of '{binding.Event.Name}' v{envelope.EventVersion} cannot be read as {binding.Event.ClrType.Name}: {e.Message}", e);
            return (null, Failure(DeadLetterReason.Undeserializable, wrapped));
        }

        DeliveryFailure Failure(DeadLetterReason reason, EventFormatException e) =>
            new(reason, e, binding.HandlerType, 0, timeProvider.GetUtcNow());
    }

    private async Task<(Outcome Outcome, DeliveryFailure? Failure)> InvokeAsync(TransportDelivery delivery, HandlerBinding binding, object @event, CancellationToken abort)
    {
        var envelope = delivery.Envelope;
        var options = subscription.Options;
        var tries = options.ImmediateRetries + 1;
        DateTimeOffset? firstFailure = null;
        for (var @try = 1; ; @try++)
        {
            // Attempts count every call of the handler for this event in this group, immediate retries included.
            var attempt = ((delivery.DeliveryCount - 1) * tries) + @try;
            try
            {
                var scope = scopes.CreateAsyncScope();
                await using var scopeDisposal = scope.ConfigureAwait(false);
                // Flows to publishes the handler makes, for correlation, causation and depth.
                AmbientEvent.Current = envelope;
                if (breaker is null)
                {
                    await binding.Invoker.InvokeAsync(scope.ServiceProvider, @event, envelope, attempt, subscription.Group, publisher, abort).ConfigureAwait(false);
                }
                else
                {
                    var call = (binding, scope.ServiceProvider, @event, envelope, attempt, subscription.Group, publisher);
                    await breaker.Pipeline.ExecuteAsync(
                        static async (c, token) => await c.binding.Invoker.InvokeAsync(c.ServiceProvider, c.@event, c.envelope, c.attempt, c.Group, c.publisher, token).ConfigureAwait(false),
                        call,
                        abort).ConfigureAwait(false);
                }

                observers.Handled(envelope, @event, subscription.Group);
                return (Outcome.Handled, null);
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                return (Outcome.Aborted, null);
            }
            catch (BrokenCircuitException)
            {
                // The handler was not called: the circuit opened meanwhile, or another event is the half-open probe.
                return (Outcome.CircuitOpen, null);
            }
#pragma warning disable CA1031 // Any handler failure is the delivery's failure, never the consumer's.
            catch (Exception e)
#pragma warning restore CA1031
            {
                firstFailure ??= timeProvider.GetUtcNow();
                observers.Failed(envelope, subscription.Group, attempt, e);
                if (@try < tries)
                {
                    LogMessages.HandlerRetrying(logger, e, subscription.Group, envelope.EventType, envelope.EventId, attempt);
                    continue;
                }

                return (Outcome.Failed, new DeliveryFailure(DeadLetterReason.HandlerFailed, e, binding.HandlerType, attempt, firstFailure.Value));
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    internal enum Outcome
    {
        Handled,
        Failed,
        Aborted,
        CircuitOpen,
    }
}
