using System.Data.Common;
using Herald.Events;
using Herald.Publishing;

namespace Herald.Outbox;

/// <summary>Builds envelopes as <see cref="EventPublisher"/> does and adds them to the outbox store in the caller's transaction.</summary>
internal sealed class OutboxPublisher(EnvelopeFactory envelopes, IOutboxStore store) : IOutboxPublisher
{
    public async ValueTask<EventEnvelope> PublishAsync<TEvent>(DbTransaction transaction, TEvent @event, PublishOptions? options = null, CancellationToken cancellationToken = default)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var (topic, envelope) = envelopes.Create(@event, options);
        await store.AddAsync(transaction, [new OutboxEntry(topic, envelope)], cancellationToken);
        return envelope;
    }
}
