using Herald.Events;

namespace Herald.Publishing;

/// <summary>Publishes events to every consumer group subscribed to their topic.</summary>
/// <remarks>
/// Inside a handler, a publish inherits the handled event's correlation id, takes its event id as
/// causation id and goes one level deeper in the causation chain. Safe to use from any thread.
/// </remarks>
public interface IEventPublisher
{
    /// <summary>Publishes <paramref name="event"/> and returns the envelope it travelled in.</summary>
    /// <remarks>When the task completes the transport has accepted the event with its durability guarantee.</remarks>
    /// <exception cref="InvalidOperationException">The event type is not registered.</exception>
    /// <exception cref="CausationDepthExceededException">The publish would exceed the maximum causation depth.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    /// <exception cref="EventTooLargeException">The payload, an identifier, a header or the number of headers is over
    /// <see cref="Hosting.HeraldOptions.Limits"/>; nothing was sent.</exception>
    ValueTask<EventEnvelope> PublishAsync<TEvent>(TEvent @event, PublishOptions? options = null, CancellationToken cancellationToken = default)
        where TEvent : notnull;
}
