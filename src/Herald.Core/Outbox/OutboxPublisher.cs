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
        var (descriptor, envelope) = envelopes.CreateForOutbox(@event, options);
        if (descriptor.SequencePerKey && envelope.Sequence is null)
        {
            var key = envelope.PartitionKey ?? throw new InvalidOperationException(
                $"Event '{descriptor.Name}' is numbered per partition key (SequencePerKey) but this publish has none: register a key selector or pass PublishOptions.PartitionKey.");
            envelope = envelope with { Sequence = await store.NextSequenceAsync(transaction, descriptor.Topic, key, cancellationToken).ConfigureAwait(false) };
        }

        await store.AddAsync(transaction, [new OutboxEntry(descriptor.Topic, envelope)], cancellationToken).ConfigureAwait(false);
        return envelope;
    }
}
