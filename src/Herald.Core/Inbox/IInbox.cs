using System.Data.Common;
using Herald.Consuming;

namespace Herald.Inbox;

/// <summary>
/// The idempotent consumer: a handler asks the inbox, inside its own database transaction, whether its consumer group
/// has already handled the event, so that an event delivered twice has its effect once.
/// </summary>
/// <example>
/// <code>
/// await using var transaction = await connection.BeginTransactionAsync();
/// if (!await inbox.TryAcceptAsync(context, transaction)) return; // a duplicate: already charged
/// await ChargeAsync(transaction, context.Event);
/// await transaction.CommitAsync();
/// </code>
/// </example>
public interface IInbox
{
    /// <summary>
    /// Records that the context's consumer group handles the event, in <paramref name="transaction"/>; returns
    /// <see langword="false"/> for a duplicate, which is counted and reported to observers.
    /// </summary>
    /// <remarks>
    /// The record commits or rolls back with the handler's own changes: a handler that fails after this call leaves no
    /// record, and the event's next delivery is accepted.
    /// </remarks>
    /// <param name="context">The handler's context: its consumer group, and the event id unless a key is given.</param>
    /// <param name="transaction">The handler's open transaction on the inbox's database.</param>
    /// <param name="idempotencyKey">A business key to deduplicate on instead of the event id (an order id, a payment id).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<bool> TryAcceptAsync<TEvent>(EventContext<TEvent> context, DbTransaction transaction, string? idempotencyKey = null, CancellationToken cancellationToken = default)
        where TEvent : notnull;
}
