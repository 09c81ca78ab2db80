using Herald.EntityFrameworkCore.Internal;
using Herald.Publishing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Herald.EntityFrameworkCore;

/// <summary>Publishes Herald events from a DbContext: queued now, written by the next SaveChanges with the entities.</summary>
public static class HeraldDbContextExtensions
{
    /// <summary>Queues <paramref name="event"/> on the context; the next successful SaveChanges writes it to the outbox in its transaction.</summary>
    /// <remarks>
    /// <para>
    /// Nothing is written here. SaveChanges writes the queued events after the entities, in the caller's transaction when
    /// there is one (they then commit or roll back with it), otherwise in the transaction of the SaveChanges itself. A
    /// SaveChanges that fails leaves the events queued, so retrying it writes each once; the outbox relay sends them after
    /// the commit, at least once, in per-key order.
    /// </para>
    /// <para>
    /// The envelope is built when SaveChanges writes it, as <see cref="Outbox.IOutboxPublisher"/> builds it: inside a
    /// handler it carries the handled event's correlation and causation. The event id is fixed here, so a retried
    /// SaveChanges writes the same id. Not thread-safe, like the context.
    /// </para>
    /// </remarks>
    /// <param name="context">A context configured with <see cref="HeraldDbContextOptionsBuilderExtensions.UseHeraldOutbox"/>.</param>
    /// <param name="event">The event; its type must be registered with Herald.</param>
    /// <param name="options">Envelope attributes; unset ones take their defaults. Copied: later changes have no effect.</param>
    /// <exception cref="InvalidOperationException">The context is not configured with <c>UseHeraldOutbox</c>, or the event type is not registered.</exception>
    public static void PublishEvent<TEvent>(this DbContext context, TEvent @event, PublishOptions? options = null)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(@event);
        var interceptor = context.GetService<IDbContextOptions>().FindExtension<OutboxOptionsExtension>()?.Interceptor
            ?? throw new InvalidOperationException(
                $"{context.GetType().Name} is not configured for Herald events: add UseHeraldOutbox to its options, as in " +
                $"services.AddDbContext<{context.GetType().Name}>((sp, options) => options.UseSqlite(...).UseHeraldOutbox(sp)).");
        _ = interceptor.Registry.Get(@event.GetType()); // throws now, naming AddEvent, rather than at SaveChanges
        var fixedOptions = Copy(options, interceptor.TimeProvider);
        context.GetService<PendingEventQueue>().Enqueue(new PendingEvent(
            @event,
            async (publisher, transaction, cancellationToken) => await publisher.PublishAsync(transaction, @event, fixedOptions, cancellationToken).ConfigureAwait(false)));
    }

    private static PublishOptions Copy(PublishOptions? options, TimeProvider timeProvider)
    {
        var copy = new PublishOptions
        {
            PartitionKey = options?.PartitionKey,
            CorrelationId = options?.CorrelationId,
            UserId = options?.UserId,
            Sequence = options?.Sequence,
            EventId = options?.EventId ?? Guid.CreateVersion7(timeProvider.GetUtcNow()).ToString(),
        };
        if (options is not null)
        {
            foreach (var (name, value) in options.Headers)
            {
                copy.Headers[name] = value;
            }
        }

        return copy;
    }
}
