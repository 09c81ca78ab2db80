using Herald.Outbox;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Sqlite.Tests;

public sealed class OutboxRelayTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RelayOnceAsync_CrashBetweenSendAndMark_SentAgainAfterLeaseAndEndsDispatched()
    {
        using var database = await CreateDatabaseAsync();
        var time = new FakeTimeProvider(Start);
        var store = new CrashBeforeMarkStore(new SqliteOutboxStore(database.StoreOptions, time));
        var transport = new RecordingTransport();
        var relay = OutboxTestData.Relay(store, transport, time, o => o.Lease = TimeSpan.FromSeconds(30));
        await OutboxTestData.AddAsync(database.StoreOptions, store, [OutboxTestData.Entry("order-1", 1, Start)], Cancellation);

        await Assert.ThrowsAsync<InvalidOperationException>(() => relay.RelayOnceAsync(Cancellation));
        Assert.Equal(0, await relay.RelayOnceAsync(Cancellation)); // still leased
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, await relay.RelayOnceAsync(Cancellation));

        Assert.Equal(2, transport.Sent.Count);
        Assert.Equal(transport.Sent[0].Envelope.EventId, transport.Sent[1].Envelope.EventId);
        Assert.Equal(0, (await store.GetStatisticsAsync(Cancellation)).UndispatchedCount);
        Assert.Equal(0, await relay.RelayOnceAsync(Cancellation));
    }

    [Fact]
    public async Task RelayOnceAsync_HostStopsMidBatch_MarksWhatWentOutAndLeavesTheRestLeased()
    {
        using var database = await CreateDatabaseAsync();
        var time = new FakeTimeProvider(Start);
        var store = new SqliteOutboxStore(database.StoreOptions, time);
        using var stopping = new CancellationTokenSource();
        var transport = new RecordingTransport { AfterSend = count => { if (count == 2) { stopping.Cancel(); } } };
        var relay = OutboxTestData.Relay(store, transport, time);
        await OutboxTestData.AddAsync(database.StoreOptions, store, [.. Enumerable.Range(1, 4).Select(i => OutboxTestData.Entry("order-1", i, Start))], Cancellation);

        Assert.Equal(2, await relay.RelayOnceAsync(stopping.Token));

        Assert.Equal(2, (await store.GetStatisticsAsync(Cancellation)).UndispatchedCount);
        time.Advance(new OutboxOptions().Lease);
        Assert.Equal(2, await relay.RelayOnceAsync(Cancellation));
        Assert.Equal([1L, 2L, 3L, 4L], transport.Sent.Select(s => s.Envelope.Sequence!.Value));
    }

    [Fact]
    public async Task RelayOnceAsync_SendFails_StopsBatchAndResendsInKeyOrderAfterLease()
    {
        using var database = await CreateDatabaseAsync();
        var time = new FakeTimeProvider(Start);
        var store = new SqliteOutboxStore(database.StoreOptions, time);
        var transport = new RecordingTransport();
        transport.FailAttempt(2);
        var relay = OutboxTestData.Relay(store, transport, time);
        await OutboxTestData.AddAsync(database.StoreOptions, store, [.. Enumerable.Range(1, 3).Select(i => OutboxTestData.Entry("order-1", i, Start))], Cancellation);

        await Assert.ThrowsAsync<IOException>(() => relay.RelayOnceAsync(Cancellation));
        Assert.Equal(2, (await store.GetStatisticsAsync(Cancellation)).UndispatchedCount); // the first was marked
        Assert.Equal(0, await relay.RelayOnceAsync(Cancellation));
        time.Advance(new OutboxOptions().Lease);
        Assert.Equal(2, await relay.RelayOnceAsync(Cancellation));

        Assert.Equal([1L, 2L, 3L], transport.Sent.Select(s => s.Envelope.Sequence!.Value));
    }

    [Fact]
    public async Task RelayOnceAsync_TwoRelaysOverManyTransactions_EveryRowSentOnceInKeyOrder()
    {
        const int Keys = 25;
        const int Transactions = 200;
        const int RowsPerTransaction = 50;
        using var database = await CreateDatabaseAsync();
        var store = new SqliteOutboxStore(database.StoreOptions, TimeProvider.System);
        var sequences = new long[Keys];
        for (var t = 0; t < Transactions; t++)
        {
            var entries = new List<OutboxEntry>(RowsPerTransaction);
            for (var i = 0; i < RowsPerTransaction; i++)
            {
                var key = (t * 7 + i) % Keys;
                entries.Add(OutboxTestData.Entry("key-" + key, sequences[key]++, Start));
            }

            await OutboxTestData.AddAsync(database.StoreOptions, store, entries, Cancellation);
        }

        var transport = new RecordingTransport();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var relays = new[] { "relay-a", "relay-b" }.Select(id => OutboxTestData.Relay(store, transport, TimeProvider.System, o => o.RelayId = id)).ToList();

        await Task.WhenAll(relays.Select(relay => Task.Run(() => DrainAsync(relay, store, timeout.Token), timeout.Token)));

        var sent = transport.Sent;
        Assert.Equal(Transactions * RowsPerTransaction, sent.Count);
        Assert.Equal(sent.Count, sent.Select(s => s.Envelope.EventId).Distinct(StringComparer.Ordinal).Count());
        foreach (var group in sent.GroupBy(s => s.Envelope.PartitionKey))
        {
            var order = group.Select(s => s.Envelope.Sequence!.Value).ToList();
            Assert.Equal(Enumerable.Range(0, order.Count).Select(i => (long)i), order);
        }
    }

    [Fact]
    public async Task CleanupOnceAsync_DispatchedBeforeRetention_DeletedInBatchesOthersKept()
    {
        using var database = await CreateDatabaseAsync();
        var time = new FakeTimeProvider(Start);
        var store = new SqliteOutboxStore(database.StoreOptions, time);
        var relay = OutboxTestData.Relay(store, new RecordingTransport(), time, o =>
        {
            o.BatchSize = 2;
            o.DispatchedRetention = TimeSpan.FromHours(1);
        });
        await OutboxTestData.AddAsync(database.StoreOptions, store, [.. Enumerable.Range(0, 3).Select(i => OutboxTestData.Entry(null, i, Start))], Cancellation);
        while (await relay.RelayOnceAsync(Cancellation) > 0)
        {
        }

        time.Advance(TimeSpan.FromMinutes(30));
        await OutboxTestData.AddAsync(database.StoreOptions, store, [.. Enumerable.Range(3, 2).Select(i => OutboxTestData.Entry(null, i, Start))], Cancellation);
        Assert.Equal(2, await relay.RelayOnceAsync(Cancellation));
        await OutboxTestData.AddAsync(database.StoreOptions, store, [OutboxTestData.Entry(null, 5, Start)], Cancellation); // never dispatched
        time.Advance(TimeSpan.FromMinutes(31));

        Assert.Equal(3, await relay.CleanupOnceAsync(Cancellation));
        Assert.Equal(0, await relay.CleanupOnceAsync(Cancellation));
        Assert.Equal(3L, await CountRowsAsync(database.StoreOptions));
        Assert.Equal(1, (await store.GetStatisticsAsync(Cancellation)).UndispatchedCount);
    }

    [Fact]
    public async Task ExecuteAsync_RowCommittedBeforeStart_SentByHostedLoop()
    {
        using var database = await CreateDatabaseAsync();
        var store = new SqliteOutboxStore(database.StoreOptions, TimeProvider.System);
        var transport = new RecordingTransport();
        using var relay = OutboxTestData.Relay(store, transport, TimeProvider.System);
        await OutboxTestData.AddAsync(database.StoreOptions, store, [OutboxTestData.Entry("k", 1, Start)], Cancellation);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));

        await relay.StartAsync(Cancellation);
        while ((await store.GetStatisticsAsync(timeout.Token)).UndispatchedCount > 0)
        {
            await Task.Yield();
        }

        await relay.StopAsync(Cancellation);
        Assert.Single(transport.Sent);
    }

    private static async Task DrainAsync(OutboxRelay relay, SqliteOutboxStore store, CancellationToken cancellationToken)
    {
        // A relay claims nothing while the other holds every ready key; it retries until the outbox is empty.
        while (await relay.RelayOnceAsync(cancellationToken) > 0 || (await store.GetStatisticsAsync(cancellationToken)).UndispatchedCount > 0)
        {
            await Task.Yield();
        }
    }

    private static async Task<SqliteTestDatabase> CreateDatabaseAsync()
    {
        var database = new SqliteTestDatabase();
        await new SqliteSchemaInitializer(database.StoreOptions).InitializeAsync(Cancellation);
        return database;
    }

    private static async Task<long> CountRowsAsync(SqliteStoreOptions options)
    {
        await using var connection = await SqliteConnectionFactory.OpenAsync(options, Cancellation);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {options.OutboxTable};";
        return (long)(await command.ExecuteScalarAsync(Cancellation))!;
    }
}
