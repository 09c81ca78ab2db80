using System.Data.Common;
using Herald.Outbox;

namespace Shop.Storage;

/// <summary>Keeps the outbox relay from sending rows bound for a damaged partition of the embedded log: they stay in the
/// outbox, undispatched, and go out on the first run after the partition is repaired.</summary>
/// <remarks>
/// The relay claims rows in order and stops its batch at the first send that fails, so a single row it cannot send would
/// hold back every row after it, those for healthy partitions too. Retrying such a row is futile: a damaged partition
/// stays damaged until it is repaired with the shop stopped. A held-back row is still claimed, so it stays leased to the
/// relay and comes back after each lease, to be held back again.
/// </remarks>
internal sealed class DamagedPartitionOutboxStore(IOutboxStore store, DamagedPartitions damaged) : IOutboxStore
{
    public async ValueTask<IReadOnlyList<OutboxRecord>> ClaimAsync(string relayId, int maxCount, TimeSpan lease, CancellationToken cancellationToken)
    {
        var records = await store.ClaimAsync(relayId, maxCount, lease, cancellationToken);
        return damaged.Any ? [.. records.Where(r => !damaged.Holds(r.Topic, r.PartitionKey))] : records;
    }

    public ValueTask AddAsync(DbTransaction transaction, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken) =>
        store.AddAsync(transaction, entries, cancellationToken);

    public ValueTask MarkDispatchedAsync(string relayId, IReadOnlyList<long> ids, CancellationToken cancellationToken) =>
        store.MarkDispatchedAsync(relayId, ids, cancellationToken);

    public ValueTask QuarantineAsync(string relayId, long id, string reason, CancellationToken cancellationToken) =>
        store.QuarantineAsync(relayId, id, reason, cancellationToken);

    public ValueTask<int> DeleteDispatchedAsync(DateTimeOffset dispatchedBefore, int batchSize, CancellationToken cancellationToken) =>
        store.DeleteDispatchedAsync(dispatchedBefore, batchSize, cancellationToken);

    public ValueTask<long> NextSequenceAsync(DbTransaction transaction, string topic, string partitionKey, CancellationToken cancellationToken) =>
        store.NextSequenceAsync(transaction, topic, partitionKey, cancellationToken);

    public ValueTask<OutboxStatistics> GetStatisticsAsync(CancellationToken cancellationToken) => store.GetStatisticsAsync(cancellationToken);
}
