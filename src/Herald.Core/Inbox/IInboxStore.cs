using System.Data.Common;

namespace Herald.Inbox;

/// <summary>Stores inbox rows: the events a consumer group has handled, for an exactly-once effect.</summary>
/// <remarks>
/// A handler calls <see cref="TryRecordAsync"/> in the same database transaction as its own
/// changes: the record commits with them, and a redelivered event finds it and is skipped. A
/// rolled-back transaction leaves no record, so the event is handled again. Implementations are
/// thread-safe.
/// </remarks>
public interface IInboxStore
{
    /// <summary>Records (<paramref name="consumerGroup"/>, <paramref name="idempotencyKey"/>) inside <paramref name="transaction"/>.</summary>
    /// <remarks>A duplicate does not fail the transaction: the caller may still commit or roll back.</remarks>
    /// <param name="transaction">The handler's open transaction; the store neither commits nor rolls it back.</param>
    /// <param name="consumerGroup">The consumer group handling the event.</param>
    /// <param name="idempotencyKey">The event id or a business idempotency key.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> when recorded now; <see langword="false"/> when the pair was already recorded (a duplicate).</returns>
    ValueTask<bool> TryRecordAsync(DbTransaction transaction, string consumerGroup, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="batchSize"/> records made before <paramref name="before"/>, in one short transaction.</summary>
    /// <remarks>
    /// Call again while it returns <paramref name="batchSize"/>. Keep records longer than any
    /// redelivery can take: a duplicate arriving after its record is deleted is handled again.
    /// </remarks>
    /// <param name="before">Records made at or after this time are kept.</param>
    /// <param name="batchSize">The most records to delete; at least 1.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>The number of records deleted.</returns>
    ValueTask<int> DeleteOlderThanAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken);
}
