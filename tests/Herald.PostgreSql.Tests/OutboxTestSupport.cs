using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using Herald.Events;
using Herald.Outbox;
using Npgsql;

namespace Herald.PostgreSql.Tests;

/// <summary>Simulates a relay that crashes after sending: the first <see cref="MarkDispatchedAsync"/> throws without marking.</summary>
internal sealed class CrashBeforeMarkStore(IOutboxStore inner) : IOutboxStore
{
    private int _marks;

    public ValueTask AddAsync(DbTransaction transaction, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken) =>
        inner.AddAsync(transaction, entries, cancellationToken);

    public ValueTask<IReadOnlyList<OutboxRecord>> ClaimAsync(string relayId, int maxCount, TimeSpan lease, CancellationToken cancellationToken) =>
        inner.ClaimAsync(relayId, maxCount, lease, cancellationToken);

    public ValueTask MarkDispatchedAsync(string relayId, IReadOnlyList<long> ids, CancellationToken cancellationToken) =>
        Interlocked.Increment(ref _marks) == 1
            ? throw new InvalidOperationException("relay crashed before marking")
            : inner.MarkDispatchedAsync(relayId, ids, cancellationToken);

    public ValueTask QuarantineAsync(string relayId, long id, string reason, CancellationToken cancellationToken) =>
        inner.QuarantineAsync(relayId, id, reason, cancellationToken);

    public ValueTask<int> DeleteDispatchedAsync(DateTimeOffset dispatchedBefore, int batchSize, CancellationToken cancellationToken) =>
        inner.DeleteDispatchedAsync(dispatchedBefore, batchSize, cancellationToken);

    public ValueTask<OutboxStatistics> GetStatisticsAsync(CancellationToken cancellationToken) => inner.GetStatisticsAsync(cancellationToken);
}

/// <summary>One row held by one relay: from when its claim returned to when the relay asked to mark it dispatched.</summary>
internal sealed record Hold(long Id, string? Key, long Sequence, string Relay, long From, long To);

/// <summary>One send, numbered in the global order sends happened.</summary>
internal sealed record Send(long Ticket, long Id, string? Key, long Sequence, string Relay);

/// <summary>
/// A relay loop as <c>OutboxRelay</c> runs it (claim, send each row in id order, mark), recording every hold and send.
/// The loop runs until <see cref="StopWhenDrained"/> is set and the outbox is empty.
/// </summary>
internal sealed class RecordingRelays
{
    private long _tickets;

    public ConcurrentQueue<Hold> Holds { get; } = new();

    public ConcurrentQueue<Send> Sends { get; } = new();

    public volatile bool StopWhenDrained;

    public int SentCount => Sends.Count;

    public async Task RunAsync(IOutboxStore store, string relayId, int batchSize, CancellationToken cancellationToken)
    {
        while (true)
        {
            var claimed = await store.ClaimAsync(relayId, batchSize, TimeSpan.FromMinutes(5), cancellationToken);
            if (claimed.Count == 0)
            {
                if (StopWhenDrained && (await store.GetStatisticsAsync(cancellationToken)).UndispatchedCount == 0)
                {
                    return;
                }

                // Nothing ready: the other relay holds every ready key, or writers have not committed yet.
                await Task.Delay(2, cancellationToken);
                continue;
            }

            var from = Stopwatch.GetTimestamp();
            foreach (var record in claimed)
            {
                Sends.Enqueue(new Send(Interlocked.Increment(ref _tickets), record.Id, record.Envelope.PartitionKey, record.Envelope.Sequence!.Value, relayId));
                await Task.Yield();
            }

            var to = Stopwatch.GetTimestamp();
            foreach (var record in claimed)
            {
                Holds.Enqueue(new Hold(record.Id, record.Envelope.PartitionKey, record.Envelope.Sequence!.Value, relayId, from, to));
            }

            await store.MarkDispatchedAsync(relayId, claimed.Select(r => r.Id).ToList(), cancellationToken);
        }
    }

    /// <summary>Asserts that every key's sends came in sequence order, in the global order they happened.</summary>
    public void AssertPerKeyOrder()
    {
        foreach (var key in Sends.Where(s => s.Key is not null).GroupBy(s => s.Key))
        {
            var sequences = key.OrderBy(s => s.Ticket).Select(s => s.Sequence).ToList();
            Assert.True(sequences.SequenceEqual(sequences.Order()), $"Key {key.Key} was sent out of order.");
        }
    }
}

internal static class OutboxTestData
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static OutboxEntry Entry(string? key, long sequence)
    {
        var id = Guid.NewGuid().ToString();
        return new OutboxEntry("outbox.test", new EventEnvelope
        {
            EventId = id,
            EventType = "outbox.test",
            Timestamp = Start,
            Source = "tests",
            CorrelationId = id,
            PartitionKey = key,
            Sequence = sequence,
            Data = "{}"u8.ToArray(),
        });
    }

    public static async Task AddAsync(NpgsqlDataSource dataSource, IOutboxStore store, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await store.AddAsync(transaction, entries, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync(cancellationToken);
    }
}
