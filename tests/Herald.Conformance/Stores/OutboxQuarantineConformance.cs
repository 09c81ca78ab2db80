using System.Text;
using Herald.Events;
using Herald.Outbox;

namespace Herald.Conformance.Stores;

/// <summary>Checks how an <see cref="IOutboxStore"/> hands out rows it cannot read and keeps quarantined rows: every store adds a one-line subclass.</summary>
/// <typeparam name="TFixture">Creates the databases under test.</typeparam>
public abstract class OutboxQuarantineConformance<TFixture>(TFixture fixture) : StoreConformance<TFixture>(fixture)
    where TFixture : class, IStoreFixture
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(200)]
    public async Task ClaimAsync_DeeplyNestedJsonData_ReadBackByteForByte(int depth)
    {
        var store = Database.CreateOutboxStore(Time);
        var data = Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));
        await AddAsync(store, new OutboxEntry("deep", Entry("k", 1).Envelope with { Data = data }));

        var record = Assert.Single(await store.ClaimAsync("relay-a", 10, Lease, Cancellation));

        Assert.Null(record.ReadError);
        Assert.Equal(data, record.Envelope.Data.ToArray());
    }

    [Fact]
    public async Task ClaimAsync_UnreadableRow_HandedBackAsUnreadableBesideTheReadableRows()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, Entry("k1", 1), Entry("k2", 2), Entry(null, 3));
        await DamageAsync(sequence: 2);

        var claimed = await store.ClaimAsync("relay-a", 10, Lease, Cancellation);

        Assert.Equal(3, claimed.Count);
        Assert.Null(claimed[0].ReadError);
        Assert.Null(claimed[2].ReadError);
        var unreadable = claimed[1];
        Assert.NotNull(unreadable.ReadError);
        Assert.Equal("k2", unreadable.PartitionKey);
        Assert.Equal("conformance", unreadable.Topic);
        Assert.Equal(1, unreadable.Attempts);
        Assert.Same(unreadable.ReadError, Assert.Throws<EventFormatException>(() => unreadable.Envelope));
        Assert.Contains($"Id = {unreadable.Id}", unreadable.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuarantineAsync_Row_NeverClaimedAgainAndHoldsBackOnlyLaterRowsOfItsKey()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, Entry("k1", 1), Entry("k2", 2), Entry("k1", 3), Entry(null, 4));
        var first = Assert.Single(await store.ClaimAsync("relay-a", 1, Lease, Cancellation));

        await store.QuarantineAsync("relay-a", first.Id, "System.ArgumentException: refused", Cancellation);
        var rest = await store.ClaimAsync("relay-b", 10, Lease, Cancellation);
        Time.Advance(Lease * 3);
        var afterLeases = await store.ClaimAsync("relay-b", 10, Lease, Cancellation);

        Assert.Equal([2L, 4L], rest.Select(r => r.Envelope.Sequence!.Value));
        Assert.Equal([2L, 4L], afterLeases.Select(r => r.Envelope.Sequence!.Value));
        Assert.Equal(new OutboxStatistics(3, Lease * 3, 1), await store.GetStatisticsAsync(Cancellation));
    }

    [Fact]
    public async Task QuarantineAsync_RowTheRelayDoesNotHold_Ignored()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, Entry("k1", 1));
        var row = Assert.Single(await store.ClaimAsync("relay-a", 1, Lease, Cancellation));

        await store.QuarantineAsync("relay-b", row.Id, "not mine", Cancellation);
        await store.QuarantineAsync("relay-a", row.Id + 1000, "no such row", Cancellation);
        await store.MarkDispatchedAsync("relay-a", [row.Id], Cancellation);

        Assert.Equal(new OutboxStatistics(0, TimeSpan.Zero, 0), await store.GetStatisticsAsync(Cancellation));
    }

    [Fact]
    public async Task DeleteDispatchedAsync_QuarantinedRow_Kept()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, Entry("k1", 1));
        var row = Assert.Single(await store.ClaimAsync("relay-a", 1, Lease, Cancellation));
        await store.QuarantineAsync("relay-a", row.Id, "refused", Cancellation);
        Time.Advance(TimeSpan.FromDays(30));

        Assert.Equal(0, await store.DeleteDispatchedAsync(Time.GetUtcNow(), 100, Cancellation));
        Assert.Equal(1, (await store.GetStatisticsAsync(Cancellation)).QuarantinedCount);
    }

    [Fact]
    public async Task QuarantinedRow_ReleasedByOperator_ClaimedAgainAheadOfItsKey()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, Entry("k1", 1), Entry("k1", 2));
        var row = Assert.Single(await store.ClaimAsync("relay-a", 1, Lease, Cancellation));
        await store.QuarantineAsync("relay-a", row.Id, "refused", Cancellation);
        Time.Advance(Lease);
        Assert.Empty(await store.ClaimAsync("relay-a", 10, Lease, Cancellation));

        // The release statement docs/architecture.md gives operators.
        await ExecuteAsync($"UPDATE {Database.OutboxTable} SET quarantined_at = NULL, quarantine_reason = NULL WHERE id = {row.Id}");

        Assert.Equal([1L, 2L], (await store.ClaimAsync("relay-a", 10, Lease, Cancellation)).Select(r => r.Envelope.Sequence!.Value));
        Assert.Equal(0, (await store.GetStatisticsAsync(Cancellation)).QuarantinedCount);
    }

    [Fact]
    public async Task QuarantinedRow_DiscardedByOperator_LaterRowsOfItsKeyGoOn()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, Entry("k1", 1), Entry("k1", 2));
        var row = Assert.Single(await store.ClaimAsync("relay-a", 1, Lease, Cancellation));
        await store.QuarantineAsync("relay-a", row.Id, "refused", Cancellation);

        // The discard statement docs/architecture.md gives operators: the row counts as dispatched, and cleanup deletes it.
        await ExecuteAsync($"UPDATE {Database.OutboxTable} SET dispatched_at = created_at WHERE id = {row.Id}");

        Assert.Equal([2L], (await store.ClaimAsync("relay-a", 10, Lease, Cancellation)).Select(r => r.Envelope.Sequence!.Value));
        Assert.Equal(0, (await store.GetStatisticsAsync(Cancellation)).QuarantinedCount);
    }

    /// <summary>Creates an entry whose envelope carries <paramref name="sequence"/>, so tests can name rows.</summary>
    private static OutboxEntry Entry(string? key, long sequence) => new("conformance", new EventEnvelope
    {
        EventId = Guid.NewGuid().ToString(),
        EventType = "conformance.sequenced",
        Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Source = "/conformance",
        CorrelationId = "correlation",
        PartitionKey = key,
        Sequence = sequence,
        Data = Encoding.UTF8.GetBytes("{\"n\":" + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}"),
    });

    /// <summary>Overwrites the stored envelope of the row carrying <paramref name="sequence"/> with JSON that is no CloudEvent.</summary>
    private Task DamageAsync(long sequence) => ExecuteAsync(
        $"UPDATE {Database.OutboxTable} SET envelope = '{{\"broken\":true}}' WHERE envelope LIKE '%\"sequence\":\"{sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"%'",
        expectedRows: 1);

    private async Task ExecuteAsync(string sql, int expectedRows = 1)
    {
        await using var connection = await Database.OpenConnectionAsync(Cancellation);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(expectedRows, await command.ExecuteNonQueryAsync(Cancellation));
    }

    private Task<bool> AddAsync(IOutboxStore store, params OutboxEntry[] entries) =>
        InTransactionAsync(async transaction =>
        {
            await store.AddAsync(transaction, entries, Cancellation);
            return true;
        });
}
