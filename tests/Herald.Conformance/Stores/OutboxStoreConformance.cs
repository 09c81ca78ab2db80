using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Herald.Events;
using Herald.Outbox;

namespace Herald.Conformance.Stores;

/// <summary>Checks the <see cref="IOutboxStore"/> contract: every store adds a one-line subclass with its fixture.</summary>
/// <remarks>Leases expire by advancing <see cref="StoreConformance{TFixture}.Time"/>, never by waiting.</remarks>
/// <typeparam name="TFixture">Creates the databases under test.</typeparam>
public abstract class OutboxStoreConformance<TFixture>(TFixture fixture) : StoreConformance<TFixture>(fixture)
    where TFixture : class, IStoreFixture
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AddAsync_TransactionRolledBack_RowsNeverClaimed()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, commit: false, Entry("k1", 0), Entry("k2", 1));

        Assert.Empty(await store.ClaimAsync("relay-a", 10, Lease, Cancellation));
        Assert.Equal(0, (await store.GetStatisticsAsync(Cancellation)).UndispatchedCount);
    }

    [Fact]
    public async Task NextSequenceAsync_CountsPerTopicAndKeyFromOne_AndARollbackGivesTheNumberBack()
    {
        var store = Database.CreateOutboxStore(Time);
        ValueTask<long> Next(DbTransaction transaction, string topic, string key) => store.NextSequenceAsync(transaction, topic, key, Cancellation);

        var firstTwo = await InTransactionAsync(async t => new[] { await Next(t, "orders", "a"), await Next(t, "orders", "a") });
        Assert.Equal(new long[] { 1, 2 }, firstTwo);
        Assert.Equal(1L, await InTransactionAsync(t => Next(t, "orders", "b")));
        Assert.Equal(1L, await InTransactionAsync(t => Next(t, "shipping", "a")));
        Assert.Equal(3L, await InTransactionAsync(t => Next(t, "orders", "a"), commit: false));
        Assert.Equal(3L, await InTransactionAsync(t => Next(t, "orders", "a")));
    }

    [Fact]
    public async Task ClaimAsync_CommittedRows_ClaimedInInsertionOrder()
    {
        var store = Database.CreateOutboxStore(Time);
        var first = new[] { Entry("k1", 0), Entry(null, 1), Entry("k2", 2) };
        var second = new[] { Entry("k2", 3), Entry("k1", 4) };
        await AddAsync(store, commit: true, first);
        await AddAsync(store, commit: true, second);

        var claimed = await store.ClaimAsync("relay-a", 10, Lease, Cancellation);

        Assert.Equal(first.Concat(second).Select(e => e.Envelope.EventId), claimed.Select(r => r.Envelope.EventId));
        Assert.True(claimed.Select(r => r.Id).SequenceEqual(claimed.Select(r => r.Id).Order()));
        Assert.All(claimed, r => Assert.Equal(1, r.Attempts));
    }

    [Fact]
    public async Task ClaimAsync_MaxCount_ReturnsOldestRowsOnly()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, commit: true, Entry(null, 0), Entry(null, 1), Entry(null, 2));

        var firstTwo = await store.ClaimAsync("relay-a", 2, Lease, Cancellation);
        var rest = await store.ClaimAsync("relay-a", 2, Lease, Cancellation);

        Assert.Equal([0L, 1L], firstTwo.Select(r => r.Envelope.Sequence!.Value));
        Assert.Equal([2L], rest.Select(r => r.Envelope.Sequence!.Value));
    }

    [Fact]
    public async Task ClaimAsync_RowLeasedByAnotherRelay_ClaimedOnlyAfterLeaseExpires()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, commit: true, Entry(null, 0));
        var byA = Assert.Single(await store.ClaimAsync("relay-a", 10, Lease, Cancellation));

        Assert.Empty(await store.ClaimAsync("relay-b", 10, Lease, Cancellation));
        Assert.Empty(await store.ClaimAsync("relay-a", 10, Lease, Cancellation));
        Time.Advance(Lease - TimeSpan.FromSeconds(1));
        Assert.Empty(await store.ClaimAsync("relay-b", 10, Lease, Cancellation));
        Time.Advance(TimeSpan.FromSeconds(1));

        var byB = Assert.Single(await store.ClaimAsync("relay-b", 10, Lease, Cancellation));
        Assert.Equal(byA.Id, byB.Id);
        Assert.Equal(2, byB.Attempts);
    }

    [Fact]
    public async Task ClaimAsync_TwoRelays_KeyHeldByOneIsNotHandedToTheOther()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, commit: true, Entry("k", 0));
        Assert.Single(await store.ClaimAsync("relay-a", 1, Lease, Cancellation));
        await AddAsync(store, commit: true, Entry("k", 1), Entry("other", 2), Entry(null, 3), Entry("k", 4));

        var byB = await store.ClaimAsync("relay-b", 10, Lease, Cancellation);

        Assert.Equal([2L, 3L], byB.Select(r => r.Envelope.Sequence!.Value));
        var byA = await store.ClaimAsync("relay-a", 10, Lease, Cancellation);
        Assert.Equal([1L, 4L], byA.Select(r => r.Envelope.Sequence!.Value));
    }

    [Fact]
    public async Task ClaimAsync_EarlierRowOfKeyDispatched_LaterRowsGoToAnyRelay()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, commit: true, Entry("k", 0), Entry("k", 1));
        var byA = Assert.Single(await store.ClaimAsync("relay-a", 1, Lease, Cancellation));
        Assert.Empty(await store.ClaimAsync("relay-b", 10, Lease, Cancellation));

        await store.MarkDispatchedAsync("relay-a", [byA.Id], Cancellation);

        Assert.Equal(1L, Assert.Single(await store.ClaimAsync("relay-b", 10, Lease, Cancellation)).Envelope.Sequence);
    }

    [Fact]
    public async Task MarkDispatchedAsync_RelayDoesNotHoldRow_Ignored()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, commit: true, Entry(null, 0), Entry(null, 1));
        var byA = await store.ClaimAsync("relay-a", 1, Lease, Cancellation);

        await store.MarkDispatchedAsync("relay-b", [byA[0].Id, byA[0].Id + 1, 999_999], Cancellation);

        Assert.Equal(2, (await store.GetStatisticsAsync(Cancellation)).UndispatchedCount);
        Time.Advance(Lease);
        Assert.Equal(2, (await store.ClaimAsync("relay-b", 10, Lease, Cancellation)).Count);
    }

    [Fact]
    public async Task MarkDispatchedAsync_LeaseTakenOverByAnotherRelay_Ignored()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, commit: true, Entry(null, 0));
        var byA = Assert.Single(await store.ClaimAsync("relay-a", 1, Lease, Cancellation));
        Time.Advance(Lease);
        Assert.Single(await store.ClaimAsync("relay-b", 1, Lease, Cancellation));

        await store.MarkDispatchedAsync("relay-a", [byA.Id], Cancellation);

        Assert.Equal(1, (await store.GetStatisticsAsync(Cancellation)).UndispatchedCount);
    }

    [Fact]
    public async Task ClaimAsync_RowsDispatched_NeverClaimedAgain()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, commit: true, Entry("k", 0), Entry(null, 1));
        var claimed = await store.ClaimAsync("relay-a", 10, Lease, Cancellation);

        await store.MarkDispatchedAsync("relay-a", claimed.Select(r => r.Id).ToList(), Cancellation);
        Time.Advance(Lease * 10);

        Assert.Empty(await store.ClaimAsync("relay-a", 10, Lease, Cancellation));
        Assert.Empty(await store.ClaimAsync("relay-b", 10, Lease, Cancellation));
        Assert.Equal(new OutboxStatistics(0, TimeSpan.Zero), await store.GetStatisticsAsync(Cancellation));
    }

    [Fact]
    public async Task DeleteDispatchedAsync_MixedRows_DeletesOnlyDispatchedBeforeCutoffInBatches()
    {
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, commit: true, Enumerable.Range(0, 5).Select(i => Entry(null, i)).ToArray());
        var old = await store.ClaimAsync("relay-a", 5, Lease, Cancellation);
        await store.MarkDispatchedAsync("relay-a", old.Select(r => r.Id).ToList(), Cancellation);
        Time.Advance(TimeSpan.FromHours(1));
        var cutoff = Time.GetUtcNow();
        await AddAsync(store, commit: true, Entry(null, 5), Entry(null, 6), Entry(null, 7));
        var recent = await store.ClaimAsync("relay-a", 2, Lease, Cancellation);
        await store.MarkDispatchedAsync("relay-a", recent.Select(r => r.Id).ToList(), Cancellation);

        Assert.Equal(2, await store.DeleteDispatchedAsync(cutoff, 2, Cancellation));
        Assert.Equal(2, await store.DeleteDispatchedAsync(cutoff, 2, Cancellation));
        Assert.Equal(1, await store.DeleteDispatchedAsync(cutoff, 2, Cancellation));
        Assert.Equal(0, await store.DeleteDispatchedAsync(cutoff, 2, Cancellation));

        Assert.Equal(1, (await store.GetStatisticsAsync(Cancellation)).UndispatchedCount);
        Assert.Equal(2, await store.DeleteDispatchedAsync(cutoff + TimeSpan.FromTicks(1), 10, Cancellation));
        Assert.Equal(1, (await store.GetStatisticsAsync(Cancellation)).UndispatchedCount);
    }

    [Fact]
    public async Task GetStatisticsAsync_UndispatchedRows_CountAndOldestAge()
    {
        var store = Database.CreateOutboxStore(Time);
        Assert.Equal(new OutboxStatistics(0, TimeSpan.Zero), await store.GetStatisticsAsync(Cancellation));
        await AddAsync(store, commit: true, Entry(null, 0));
        Time.Advance(TimeSpan.FromMinutes(2));
        await AddAsync(store, commit: true, Entry(null, 1), Entry(null, 2));
        Time.Advance(TimeSpan.FromMinutes(3));
        Assert.Single(await store.ClaimAsync("relay-a", 1, Lease, Cancellation));

        Assert.Equal(new OutboxStatistics(3, TimeSpan.FromMinutes(5)), await store.GetStatisticsAsync(Cancellation));
    }

    [Fact]
    public async Task ClaimAsync_TwoConcurrentRelays_EveryRowClaimedExactlyOnceInKeyOrder()
    {
        const int Rows = 10_000;
        var store = Database.CreateOutboxStore(Time);
        await AddAsync(store, commit: true, Enumerable.Range(0, Rows).Select(i => Entry(i % 2 == 0 ? "k" + (i % 16) : null, i)).ToArray());
        var claims = new ConcurrentQueue<OutboxRecord>();

        async Task RelayAsync(string relayId)
        {
            while ((await store.GetStatisticsAsync(Cancellation)).UndispatchedCount > 0)
            {
                var claimed = await store.ClaimAsync(relayId, 97, TimeSpan.FromHours(1), Cancellation);
                foreach (var record in claimed)
                {
                    claims.Enqueue(record);
                }

                await store.MarkDispatchedAsync(relayId, claimed.Select(r => r.Id).ToList(), Cancellation);
                await Task.Yield();
            }
        }

        await Task.WhenAll(Task.Run(() => RelayAsync("relay-a")), Task.Run(() => RelayAsync("relay-b")));

        Assert.Equal(Rows, claims.Count);
        Assert.Equal(Enumerable.Range(0, Rows).Select(i => (long)i), claims.Select(r => r.Envelope.Sequence!.Value).Order());
        foreach (var key in claims.Where(r => r.Envelope.PartitionKey is not null).GroupBy(r => r.Envelope.PartitionKey))
        {
            var sequences = key.Select(r => r.Envelope.Sequence!.Value).ToList();
            Assert.True(sequences.SequenceEqual(sequences.Order()), $"Key {key.Key} was claimed out of order.");
        }
    }

    [Fact]
    public async Task ClaimAsync_EnvelopeWithEveryAttribute_RoundTrips()
    {
        var store = Database.CreateOutboxStore(Time);
        var envelope = new EventEnvelope
        {
            EventId = "0190a8e4-0000-7000-8000-000000000001",
            EventType = "order.created",
            EventVersion = 3,
            Timestamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567),
            Source = "/shop/orders",
            CorrelationId = "correlation-1",
            CausationId = "cause-1",
            UserId = "user-7",
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            PartitionKey = "order-42",
            Sequence = 9_007_199_254_740_993,
            Depth = 4,
            DataContentType = "application/json",
            Extensions = new Dictionary<string, string>(StringComparer.Ordinal) { ["tenant"] = "acme", ["region"] = "eu" },
            Data = Encoding.UTF8.GetBytes("""{"orderId":42,"lines":[{"sku":"a","qty":2}],"note":"é\u2028"}"""),
        };
        await AddAsync(store, commit: true, new OutboxEntry("orders", envelope));

        var record = Assert.Single(await store.ClaimAsync("relay-a", 1, Lease, Cancellation));

        Assert.Equal("orders", record.Topic);
        Assert.Equal(Time.GetUtcNow(), record.CreatedAt);
        Assert.Equal(envelope with { Data = default, Extensions = record.Envelope.Extensions }, record.Envelope with { Data = default });
        Assert.Equal(envelope.Extensions.OrderBy(p => p.Key), record.Envelope.Extensions.OrderBy(p => p.Key));
        Assert.Equal(envelope.Data.ToArray(), record.Envelope.Data.ToArray());
    }

    [Fact]
    public async Task ClaimAsync_BinaryData_RoundTrips()
    {
        var store = Database.CreateOutboxStore(Time);
        var envelope = Entry(null, 0).Envelope with { DataContentType = "application/octet-stream", Data = new byte[] { 0, 1, 2, 255, 254 } };
        await AddAsync(store, commit: true, new OutboxEntry("blobs", envelope));

        var record = Assert.Single(await store.ClaimAsync("relay-a", 1, Lease, Cancellation));

        Assert.Equal("application/octet-stream", record.Envelope.DataContentType);
        Assert.Equal(envelope.Data.ToArray(), record.Envelope.Data.ToArray());
    }

    /// <summary>Creates an entry whose envelope carries <paramref name="sequence"/>, so tests can name rows.</summary>
    protected static OutboxEntry Entry(string? key, long sequence) => new("conformance", new EventEnvelope
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

    private Task<bool> AddAsync(IOutboxStore store, bool commit, params OutboxEntry[] entries) =>
        InTransactionAsync(async transaction =>
        {
            await store.AddAsync(transaction, entries, Cancellation);
            return true;
        }, commit);
}
