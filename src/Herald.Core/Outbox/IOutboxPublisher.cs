using System.Data.Common;
using Herald.Events;
using Herald.Publishing;

namespace Herald.Outbox;

/// <summary>Publishes events through the transactional outbox: written in the application's transaction, sent later by the relay.</summary>
/// <remarks>
/// The envelope is built exactly as <see cref="IEventPublisher"/> builds it (event id, correlation,
/// causation and depth inside a handler, partition key), then written with
/// <see cref="IOutboxStore.AddAsync"/> inside <c>transaction</c>. Nothing reaches the transport here:
/// the event commits or rolls back with the business rows, and the outbox relay sends it after the
/// commit, at least once.
/// </remarks>
public interface IOutboxPublisher
{
    /// <summary>Writes <paramref name="event"/> to the outbox inside <paramref name="transaction"/>.</summary>
    /// <param name="transaction">The application's open transaction; the publisher neither commits nor rolls it back.</param>
    /// <param name="event">The event; its type must be registered.</param>
    /// <param name="options">Envelope attributes; unset ones take their defaults.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The envelope written, as the relay will send it.</returns>
    /// <exception cref="EventTooLargeException">The event is over <see cref="Hosting.HeraldOptions.Limits"/>; nothing was written,
    /// so the relay never meets an event it cannot send.</exception>
    ValueTask<EventEnvelope> PublishAsync<TEvent>(DbTransaction transaction, TEvent @event, PublishOptions? options = null, CancellationToken cancellationToken = default)
        where TEvent : notnull;
}
