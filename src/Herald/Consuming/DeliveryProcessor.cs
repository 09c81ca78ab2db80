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
/// after the failed one, so per-key order holds across retries.
/// </remarks>
internal sealed class DeliveryProcessor(Subscription subscription, IServiceScopeFactory scopes, IEventPublisher publisher, ObserverSet observers, ILogger logger, SubscriptionBreaker? breaker = null)
{
    public Subscription Subscription => subscription;

    public SubscriptionBreaker? Breaker => breaker;

    /// <summary>Handles the batch; stops early, leaving deliveries unsettled, once <paramref name="stopping"/> is cancelled.</summary>
    /// <returns>How many deliveries were handled or failed.</returns>
    public async ValueTask<int> ProcessAsync(ITransportListener listener, List<TransportDelivery> batch, CancellationToken stopping, CancellationToken abort)
    {
        List<int>? failedPartitions = null;
        var processed = 0;
        foreach (var delivery in batch)
        {
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
                await listener.RedeliverAsync(delivery, pause, abort);
                (failedPartitions ??= []).Add(delivery.Partition);
                processed++;
                continue;
            }

            var atMostOnce = subscription.Options.Acknowledgement == AcknowledgementMode.AtMostOnce;
            if (atMostOnce)
            {
                // Acknowledged first: whatever happens next, the event does not come again.
                await listener.CompleteAsync(delivery, abort);
            }

            switch (await HandleAsync(delivery, abort))
            {
                case Outcome.Handled when !atMostOnce:
                    await listener.CompleteAsync(delivery, abort);
                    break;
                case Outcome.Failed when !atMostOnce:
                    await listener.RedeliverAsync(delivery, subscription.Options.DelayFor(delivery.DeliveryCount), abort);
                    (failedPartitions ??= []).Add(delivery.Partition);
                    break;
                case Outcome.CircuitOpen when !atMostOnce:
                    await listener.RedeliverAsync(delivery, Max(breaker!.RemainingBreak(), subscription.Options.RedeliveryDelay), abort);
                    (failedPartitions ??= []).Add(delivery.Partition);
                    break;
                case Outcome.Aborted:
                    return processed;
            }

            processed++;
        }

        return processed;
    }

    private async Task<Outcome> HandleAsync(TransportDelivery delivery, CancellationToken abort)
    {
        var envelope = delivery.Envelope;
        if (!subscription.TryGetHandler(envelope.EventType, out var binding))
        {
            LogMessages.EventIgnored(logger, subscription.Group, envelope.EventType, envelope.EventId);
            observers.Ignored(envelope, subscription.Group);
            return Outcome.Handled;
        }

        var options = subscription.Options;
        var tries = options.ImmediateRetries + 1;
        for (var @try = 1; ; @try++)
        {
            // Attempts count every call of the handler for this event in this group, immediate retries included.
            var attempt = ((delivery.DeliveryCount - 1) * tries) + @try;
            try
            {
                var @event = EventSerializer.Deserialize(binding.Event, envelope.Data.Span);
                await using var scope = scopes.CreateAsyncScope();
                // Flows to publishes the handler makes, for correlation, causation and depth.
                AmbientEvent.Current = envelope;
                if (breaker is null)
                {
                    await binding.Invoker.InvokeAsync(scope.ServiceProvider, @event, envelope, attempt, subscription.Group, publisher, abort);
                }
                else
                {
                    var call = (binding, scope.ServiceProvider, @event, envelope, attempt, subscription.Group, publisher);
                    await breaker.Pipeline.ExecuteAsync(
                        static async (c, token) => await c.binding.Invoker.InvokeAsync(c.ServiceProvider, c.@event, c.envelope, c.attempt, c.Group, c.publisher, token),
                        call,
                        abort);
                }

                observers.Handled(envelope, @event, subscription.Group);
                return Outcome.Handled;
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                return Outcome.Aborted;
            }
            catch (BrokenCircuitException e)
            {
                // The handler was not called: the circuit opened meanwhile, or another event is the half-open probe.
                if (options.Acknowledgement == AcknowledgementMode.AtMostOnce)
                {
                    LogMessages.EventDropped(logger, e, subscription.Group, envelope.EventType, envelope.EventId, attempt);
                }

                return Outcome.CircuitOpen;
            }
#pragma warning disable CA1031 // Any handler failure is the delivery's failure, never the consumer's.
            catch (Exception e)
#pragma warning restore CA1031
            {
                observers.Failed(envelope, subscription.Group, attempt, e);
                if (@try < tries)
                {
                    LogMessages.HandlerRetrying(logger, e, subscription.Group, envelope.EventType, envelope.EventId, attempt);
                    continue;
                }

                if (options.Acknowledgement == AcknowledgementMode.AtMostOnce)
                {
                    LogMessages.EventDropped(logger, e, subscription.Group, envelope.EventType, envelope.EventId, attempt);
                }
                else
                {
                    LogMessages.HandlerFailed(logger, e, subscription.Group, envelope.EventType, envelope.EventId, attempt, options.DelayFor(delivery.DeliveryCount));
                }

                return Outcome.Failed;
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private enum Outcome
    {
        Handled,
        Failed,
        Aborted,
        CircuitOpen,
    }
}
