using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Transports;
using Microsoft.Extensions.Logging;

namespace Herald.Consuming;

/// <summary>Puts a failed delivery in its group's dead-letter queue, carrying over the history of earlier episodes.</summary>
internal sealed class DeadLetterWriter(IDeadLetterStore store, ObserverSet observers, TimeProvider timeProvider, ILogger logger, KeyParking? parking = null)
{
    private long _lastTicks;

    public async ValueTask WriteAsync(Subscription subscription, TransportDelivery delivery, DeliveryFailure failure, CancellationToken cancellationToken)
    {
        var envelope = delivery.Envelope;
        var now = NextTime();
        var previous = await store.GetAsync(subscription.Group, DeadLetterIdentity.Of(envelope), cancellationToken).ConfigureAwait(false);
        // A redriven event that fails again brings its earlier episode along; a pending one (written again after a
        // crash before the event was settled) keeps the history it had. Another message reusing the event id has another
        // dead-letter id, so it starts a letter of its own and never takes over this one.
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
            ParkedBehind = failure.ParkedBehind,
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
        parking?.Park(letter);
        LogMessages.DeadLettered(logger, exception, subscription.Group, envelope.EventType, envelope.EventId, DeadLetterJson.Name(failure.Reason), failure.Attempts);
        observers.DeadLettered(letter);
    }

    // Strictly increasing per group, even when the clock stands still (a fake one, or a coarse one), so that the
    // dead letters of a key keep the order they were written in (KeyParking redrives them in that order).
    private DateTimeOffset NextTime()
    {
        var ticks = timeProvider.GetUtcNow().UtcTicks;
        while (true)
        {
            var last = Volatile.Read(ref _lastTicks);
            var next = Math.Max(ticks, last + 1);
            if (Interlocked.CompareExchange(ref _lastTicks, next, last) == last)
            {
                return new DateTimeOffset(next, TimeSpan.Zero);
            }
        }
    }
}
