using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Transports;
using Microsoft.Extensions.Logging;

namespace Herald.Consuming;

/// <summary>Puts a failed delivery in its group's dead-letter queue, carrying over the history of earlier episodes.</summary>
internal sealed class DeadLetterWriter(IDeadLetterStore store, ObserverSet observers, TimeProvider timeProvider, ILogger logger)
{
    public async ValueTask WriteAsync(Subscription subscription, TransportDelivery delivery, DeliveryFailure failure, CancellationToken cancellationToken)
    {
        var envelope = delivery.Envelope;
        var now = timeProvider.GetUtcNow();
        var previous = await store.GetAsync(subscription.Group, envelope.EventId, cancellationToken).ConfigureAwait(false);
        // A redriven event that fails again brings its earlier episode along; a pending one (written again after a
        // crash before the event was settled) keeps the history it had.
        var history = previous switch
        {
            null => [],
            { Status: DeadLetterStatus.Redriven } => [.. previous.History, previous.Failure with { RedrivenAt = previous.RedrivenAt }],
            _ => previous.History,
        };

        var exception = failure.Exception;
        var letter = new DeadLetter
        {
            Group = subscription.Group,
            Topic = subscription.Topic,
            Envelope = envelope,
            History = history,
            Failure = new DeadLetterFailure(
                failure.Reason,
                exception.GetType().FullName ?? exception.GetType().Name,
                exception.Message,
                exception.ToString(),
                failure.Handler?.FullName,
                failure.Attempts,
                delivery.FirstFailedAt ?? failure.FirstFailedAt,
                now,
                now),
        };

        await store.SaveAsync(letter, cancellationToken).ConfigureAwait(false);
        LogMessages.DeadLettered(logger, exception, subscription.Group, envelope.EventType, envelope.EventId, DeadLetterJson.Name(failure.Reason), failure.Attempts);
        observers.DeadLettered(letter);
    }
}
