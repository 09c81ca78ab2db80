using System.Data.Common;

namespace Herald.Outbox;

/// <summary>Stores outbox rows: events written in the application's transaction and dispatched later by relays.</summary>
/// <remarks>
/// <para>
/// The transactional outbox: <see cref="AddAsync"/> writes the events in the same database
/// transaction as the business rows, so both commit or neither does. Relays then
/// <see cref="ClaimAsync"/> rows under a lease, send them to the transport and
/// <see cref="MarkDispatchedAsync"/>. Delivery is at-least-once: a relay that dies after sending
/// but before marking leaves the row to be claimed again when its lease expires.
/// </para>
/// <para>
/// Ordering: rows are claimed in insertion order, and a row is never handed to a relay while
/// another undispatched row of the same partition key is leased by another relay, so events of
/// one key are dispatched in order even with several relays. Implementations are thread-safe.
/// </para>
/// </remarks>
public interface IOutboxStore
{
    /// <summary>Writes <paramref name="entries"/> inside <paramref name="transaction"/>; they become visible to relays when it commits.</summary>
    /// <param name="transaction">The application's open transaction; the store neither commits nor rolls it back.</param>
    /// <param name="entries">The events, in the order they must be dispatched.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask AddAsync(DbTransaction transaction, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken);

    /// <summary>Leases up to <paramref name="maxCount"/> undispatched rows to <paramref name="relayId"/>, oldest first.</summary>
    /// <remarks>
    /// A row qualifies when it is not leased, or its lease has expired, is not quarantined, and no other
    /// undispatched row of its partition key is leased by another relay or quarantined. Each claim increments
    /// <see cref="OutboxRecord.Attempts"/>. Rows this relay already holds are not returned again
    /// until their lease expires.
    /// </remarks>
    /// <param name="relayId">Identifies the relay; unique per running relay.</param>
    /// <param name="maxCount">The most rows to return; at least 1.</param>
    /// <param name="lease">How long the rows stay reserved for this relay; positive.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <returns>
    /// The claimed rows in insertion order; empty when nothing qualifies. A row whose envelope cannot be read is returned
    /// as <see cref="OutboxRecord.Unreadable"/>, never thrown, so one damaged row cannot fail every claim.
    /// </returns>
    ValueTask<IReadOnlyList<OutboxRecord>> ClaimAsync(string relayId, int maxCount, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Marks rows as dispatched; ids of rows <paramref name="relayId"/> does not hold (never claimed, re-claimed by another relay, already dispatched) are ignored.</summary>
    /// <param name="relayId">The relay that claimed the rows.</param>
    /// <param name="ids">The <see cref="OutboxRecord.Id"/> values of the rows sent.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    ValueTask MarkDispatchedAsync(string relayId, IReadOnlyList<long> ids, CancellationToken cancellationToken);

    /// <summary>Sets aside a row <paramref name="relayId"/> holds and cannot read or publish: it is never claimed again, and no later row of its partition key is claimed while it stays quarantined.</summary>
    /// <remarks>
    /// A quarantined row stays in the table with <paramref name="reason"/> until an operator releases it (clears the
    /// quarantine, so it is claimed again in its place) or discards it (marks it dispatched); see docs/architecture.md.
    /// It counts in <see cref="OutboxStatistics.QuarantinedCount"/>, not in the undispatched backlog, and cleanup never deletes it.
    /// An id the relay does not hold (never claimed, re-claimed by another relay, already dispatched) is ignored.
    /// </remarks>
    /// <param name="relayId">The relay that claimed the row.</param>
    /// <param name="id">The <see cref="OutboxRecord.Id"/> of the row.</param>
    /// <param name="reason">Why the row cannot go out (the error's type and message); kept for the operator.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    ValueTask QuarantineAsync(string relayId, long id, string reason, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="batchSize"/> rows dispatched before <paramref name="dispatchedBefore"/>, in one short transaction.</summary>
    /// <remarks>Call again while it returns <paramref name="batchSize"/>: bounded batches keep locks short on a busy table.</remarks>
    /// <param name="dispatchedBefore">Rows dispatched at or after this time are kept.</param>
    /// <param name="batchSize">The most rows to delete; at least 1.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>The number of rows deleted.</returns>
    ValueTask<int> DeleteDispatchedAsync(DateTimeOffset dispatchedBefore, int batchSize, CancellationToken cancellationToken);

    /// <summary>Returns the next number, from 1, of <paramref name="partitionKey"/> on <paramref name="topic"/>, counted inside <paramref name="transaction"/>.</summary>
    /// <remarks>
    /// For events registered with <c>SequencePerKey()</c>. The counter moves with the transaction: a rollback gives the
    /// number back, and concurrent transactions of one key wait for each other, so numbers are gap-free and unique.
    /// </remarks>
    /// <exception cref="NotSupportedException">The store keeps no counters.</exception>
    ValueTask<long> NextSequenceAsync(DbTransaction transaction, string topic, string partitionKey, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} cannot number events per key; use a store that can (SQLite, PostgreSQL) or pass PublishOptions.Sequence.");

    /// <summary>Returns the undispatched row count, the age of the oldest undispatched row and the quarantined row count.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    ValueTask<OutboxStatistics> GetStatisticsAsync(CancellationToken cancellationToken);
}
