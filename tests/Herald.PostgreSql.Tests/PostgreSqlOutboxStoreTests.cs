using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Herald.PostgreSql.Tests;

public sealed class PostgreSqlOutboxStoreTests(PostgreSqlServer server)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClaimAsync_TransactionsCommittedInReverseInsertOrder_EveryRowSentOnceInKeyOrder()
    {
        // 40 transactions insert 10,000 rows in interleaved chunks, so identity values are handed out
        // across all of them, then commit last-inserted first. Each commit waits until the relays
        // have sent everything committed so far: a relay reading past a high-water mark would by then
        // have passed the ids of every transaction still to commit, and never send them.
        const int Transactions = 40;
        const int Rounds = 5;
        const int RowsPerChunk = 50;
        var options = server.NewOptions();
        await new PostgreSqlSchemaInitializer(options).InitializeAsync(Cancellation);
        await using var writers = server.CreateDataSource(Transactions + 2);
        var store = new PostgreSqlOutboxStore(options, TimeProvider.System);
        var open = new List<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)>();
        try
        {
            for (var t = 0; t < Transactions; t++)
            {
                var connection = await writers.OpenConnectionAsync(Cancellation);
                open.Add((connection, await connection.BeginTransactionAsync(Cancellation)));
            }

            for (var round = 0; round < Rounds; round++)
            {
                for (var t = 0; t < Transactions; t++)
                {
                    var entries = Enumerable.Range(0, RowsPerChunk)
                        .Select(i => OutboxTestData.Entry(i % 7 == 0 ? null : $"tx{t}-k{i % 3}", (round * RowsPerChunk) + i))
                        .ToList();
                    await store.AddAsync(open[t].Transaction, entries, Cancellation);
                }
            }

            var relays = new RecordingRelays();
            await using var relayA = server.CreateDataSource(4);
            await using var relayB = server.CreateDataSource(4);
            var running = new[] { (relayA, "relay-a"), (relayB, "relay-b") }
                .Select(r => Task.Run(() => relays.RunAsync(new PostgreSqlOutboxStore(new PostgreSqlStoreOptions { DataSource = r.Item1, Schema = options.Schema }, TimeProvider.System), r.Item2, 100, Cancellation)))
                .ToList();

            for (var t = Transactions - 1; t >= 0; t--)
            {
                await open[t].Transaction.CommitAsync(Cancellation);
                var committed = (Transactions - t) * Rounds * RowsPerChunk;
                await WaitUntilAsync(() => relays.SentCount >= committed || running.Any(r => r.IsCompleted));
            }

            relays.StopWhenDrained = true;
            await Task.WhenAll(running);

            var sends = relays.Sends.ToList();
            Assert.Equal(Transactions * Rounds * RowsPerChunk, sends.Count);
            Assert.Equal(sends.Count, sends.Select(s => s.Id).Distinct().Count());
            relays.AssertPerKeyOrder();
            Assert.Contains(sends, s => s.Relay == "relay-a");
            Assert.Contains(sends, s => s.Relay == "relay-b");
        }
        finally
        {
            foreach (var (connection, transaction) in open)
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ClaimAsync_TwoRelaysOnTwoDataSources_NoRowOrKeyHeldByBothAtOnce()
    {
        const int Rows = 6_000;
        var options = server.NewOptions();
        await new PostgreSqlSchemaInitializer(options).InitializeAsync(Cancellation);
        var writer = new PostgreSqlOutboxStore(options, TimeProvider.System);
        var sequences = new long[8];
        var entries = Enumerable.Range(0, Rows).Select(i => i % 5 == 0 ? OutboxTestData.Entry(null, i) : OutboxTestData.Entry("k" + (i % 8), sequences[i % 8]++)).ToList();
        foreach (var chunk in entries.Chunk(500))
        {
            await OutboxTestData.AddAsync(server.DataSource, writer, chunk, Cancellation);
        }

        var relays = new RecordingRelays { StopWhenDrained = true };
        await using var relayA = server.CreateDataSource(4);
        await using var relayB = server.CreateDataSource(4);
        await Task.WhenAll(new[] { (relayA, "relay-a"), (relayB, "relay-b") }
            .Select(r => Task.Run(() => relays.RunAsync(new PostgreSqlOutboxStore(new PostgreSqlStoreOptions { DataSource = r.Item1, Schema = options.Schema }, TimeProvider.System), r.Item2, 37, Cancellation))));

        var holds = relays.Holds.ToList();
        Assert.Equal(Rows, holds.Count);
        Assert.Equal(Rows, holds.Select(h => h.Id).Distinct().Count());
        Assert.Contains(holds, h => h.Relay == "relay-a");
        Assert.Contains(holds, h => h.Relay == "relay-b");
        foreach (var key in holds.Where(h => h.Key is not null).GroupBy(h => h.Key))
        {
            // Each relay holds a batch as one window; windows of one key by two relays must not overlap.
            var windows = key.Select(h => (h.Relay, h.From, h.To)).Distinct().OrderBy(w => w.From).ToList();
            for (var i = 0; i < windows.Count; i++)
            {
                for (var j = i + 1; j < windows.Count && windows[j].From < windows[i].To; j++)
                {
                    Assert.True(windows[i].Relay == windows[j].Relay, $"Key {key.Key} was held by {windows[i].Relay} and {windows[j].Relay} at once.");
                }
            }
        }

        relays.AssertPerKeyOrder();
        Assert.Equal(0, (await writer.GetStatisticsAsync(Cancellation)).UndispatchedCount);
    }

    [Fact]
    public async Task ClaimAsync_KeyLockedByAnInFlightClaim_SkipsThatKeyWithoutWaiting()
    {
        var options = server.NewOptions();
        await new PostgreSqlSchemaInitializer(options).InitializeAsync(Cancellation);
        var store = new PostgreSqlOutboxStore(options, new FakeTimeProvider(OutboxTestData.Start));
        await OutboxTestData.AddAsync(server.DataSource, store, [OutboxTestData.Entry("k", 0), OutboxTestData.Entry("other", 1), OutboxTestData.Entry("k", 2), OutboxTestData.Entry(null, 3)], Cancellation);

        // Another relay's claim transaction, between taking the key lock of "k" and committing its leases.
        await using var other = await server.DataSource.OpenConnectionAsync(Cancellation);
        await using var otherClaim = await other.BeginTransactionAsync(Cancellation);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@table), hashtext('k'))", other, otherClaim))
        {
            command.Parameters.AddWithValue("table", Internal.PostgreSqlSql.Qualify(options.Schema, options.OutboxTable));
            await command.ExecuteScalarAsync(Cancellation);
        }

        var whileLocked = await store.ClaimAsync("relay-b", 10, TimeSpan.FromSeconds(30), Cancellation);
        await otherClaim.RollbackAsync(Cancellation);
        var afterwards = await store.ClaimAsync("relay-b", 10, TimeSpan.FromSeconds(30), Cancellation);

        Assert.Equal([1L, 3L], whileLocked.Select(r => r.Envelope.Sequence!.Value));
        Assert.Equal([0L, 2L], afterwards.Select(r => r.Envelope.Sequence!.Value));
    }

    [Fact]
    public async Task DeleteDispatchedAsync_RowLockedAndInsertsInFlight_DeletesTheRestWithoutWaiting()
    {
        var options = server.NewOptions();
        await new PostgreSqlSchemaInitializer(options).InitializeAsync(Cancellation);
        var time = new FakeTimeProvider(OutboxTestData.Start);
        var store = new PostgreSqlOutboxStore(options, time);
        await OutboxTestData.AddAsync(server.DataSource, store, [.. Enumerable.Range(0, 5).Select(i => OutboxTestData.Entry(null, i))], Cancellation);
        var claimed = await store.ClaimAsync("relay-a", 10, TimeSpan.FromSeconds(30), Cancellation);
        await store.MarkDispatchedAsync("relay-a", [.. claimed.Select(r => r.Id)], Cancellation);
        time.Advance(TimeSpan.FromHours(1));

        await using var locker = await server.DataSource.OpenConnectionAsync(Cancellation);
        await using var lockTransaction = await locker.BeginTransactionAsync(Cancellation);
        await using (var command = new NpgsqlCommand($"SELECT id FROM \"{options.Schema}\".herald_outbox WHERE id = {claimed[0].Id} FOR UPDATE", locker, lockTransaction))
        {
            await command.ExecuteScalarAsync(Cancellation);
        }

        await using var application = await server.DataSource.OpenConnectionAsync(Cancellation);
        await using var applicationTransaction = await application.BeginTransactionAsync(Cancellation);
        await store.AddAsync(applicationTransaction, [OutboxTestData.Entry("k", 9)], Cancellation);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));

        Assert.Equal(4, await store.DeleteDispatchedAsync(time.GetUtcNow(), 10, timeout.Token));

        await applicationTransaction.CommitAsync(Cancellation);
        await lockTransaction.RollbackAsync(Cancellation);
        Assert.Equal(1, await store.DeleteDispatchedAsync(time.GetUtcNow(), 10, Cancellation));
        Assert.Equal(1, (await store.GetStatisticsAsync(Cancellation)).UndispatchedCount);
    }

    [Fact]
    public async Task ClaimAsync_OptionsWithConnectionString_WorksLikeDataSource()
    {
        var options = new PostgreSqlStoreOptions { ConnectionString = server.ConnectionString, Schema = PostgreSqlServer.NewSchemaName(), TablePrefix = "app_" };
        await new PostgreSqlSchemaInitializer(options).InitializeAsync(Cancellation);
        var store = new PostgreSqlOutboxStore(options, TimeProvider.System);
        await OutboxTestData.AddAsync(server.DataSource, store, [OutboxTestData.Entry("k", 1)], Cancellation);

        var record = Assert.Single(await store.ClaimAsync("relay-a", 10, TimeSpan.FromSeconds(30), Cancellation));

        Assert.Equal(1L, record.Envelope.Sequence);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        // The relays run on real time; this only waits for them, it asserts nothing about timing.
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), "The relays stopped making progress.");
            await Task.Delay(2, Cancellation);
        }
    }
}
