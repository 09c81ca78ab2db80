using System.Data.Common;
using Herald.Consuming;
using Herald.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Herald.Inbox;

/// <summary>Records handled events through the inbox store and reports duplicates.</summary>
internal sealed class Inbox(IInboxStore store, ObserverSet observers, ILogger logger) : IInbox
{
    public async ValueTask<bool> TryAcceptAsync<TEvent>(EventContext<TEvent> context, DbTransaction transaction, string? idempotencyKey = null, CancellationToken cancellationToken = default)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(transaction);
        if (idempotencyKey is { Length: 0 })
        {
            throw new ArgumentException("The idempotency key is empty: pass null to deduplicate on the event id.", nameof(idempotencyKey));
        }

        var key = idempotencyKey ?? context.Envelope.EventId;
        if (await store.TryRecordAsync(transaction, context.ConsumerGroup, key, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        LogMessages.DuplicateSkipped(logger, context.ConsumerGroup, context.Envelope.EventType, context.Envelope.EventId, key);
        observers.Duplicate(context.Envelope, context.ConsumerGroup);
        return false;
    }
}
