using Herald.Events;

namespace Herald.Diagnostics;

/// <summary>Observes what Herald publishes and handles; register implementations as singletons.</summary>
/// <remarks>Called synchronously on the publishing or consuming thread: keep implementations fast and thread-safe.
/// An observer that throws is logged and does not change the outcome.</remarks>
public interface IEventObserver
{
    /// <summary>Called after an event was accepted by the transport.</summary>
    void OnPublished(EventEnvelope envelope, object @event) { }

    /// <summary>Called after a handler of <paramref name="group"/> completed an event.</summary>
    void OnHandled(EventEnvelope envelope, object @event, string group) { }

    /// <summary>Called when handling an event in <paramref name="group"/> failed; it is retried, unless <see cref="OnDeadLettered"/> follows.</summary>
    void OnFailed(EventEnvelope envelope, string group, int attempt, Exception exception) { }

    /// <summary>Called when <paramref name="group"/> skipped an event it has no handler for.</summary>
    void OnIgnored(EventEnvelope envelope, string group) { }

    /// <summary>Called when the inbox finds that <paramref name="group"/> already handled the event (or its idempotency key) and skips it.</summary>
    /// <param name="envelope">The duplicate's envelope.</param>
    /// <param name="group">The consumer group.</param>
    void OnDuplicate(EventEnvelope envelope, string group) { }

    /// <summary>Called when a consumer group gave up on an event and put it in its dead-letter queue.</summary>
    /// <param name="letter">The dead letter, as stored.</param>
    void OnDeadLettered(DeadLetters.DeadLetter letter) { }
}
