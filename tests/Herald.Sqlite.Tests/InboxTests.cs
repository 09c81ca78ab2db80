using Herald.Consuming;
using Herald.Events;
using Herald.Hosting;
using Herald.Inbox;
using Herald.Publishing;
using Herald.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Sqlite.Tests;

[Event("inbox.payment-requested")]
public sealed record PaymentRequested(string OrderId, decimal Amount);

/// <summary>What the charging handler is told to do, shared by its instances in one test.</summary>
public sealed class ChargeSettings
{
    public bool ByOrderId { get; init; }

    public int FailuresAfterCharging { get; set; }
}

/// <summary>Charges a card once per payment: the inbox record and the charge commit in one SQLite transaction.</summary>
public sealed class ChargeHandler(IInbox inbox, SqliteStoreOptions database, ChargeSettings settings) : IEventHandler<PaymentRequested>
{
    public async Task HandleAsync(EventContext<PaymentRequested> context)
    {
        await using var connection = await SqliteConnectionFactory.OpenAsync(database, context.CancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(context.CancellationToken);
        if (!await inbox.TryAcceptAsync(context, transaction, settings.ByOrderId ? context.Event.OrderId : null, context.CancellationToken))
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO charges (order_id, amount) VALUES ($order, $amount);";
        command.Parameters.AddWithValue("$order", context.Event.OrderId);
        command.Parameters.AddWithValue("$amount", context.Event.Amount);
        await command.ExecuteNonQueryAsync(context.CancellationToken);
        if (settings.FailuresAfterCharging > 0)
        {
            settings.FailuresAfterCharging--;
            throw new InvalidOperationException("the card network timed out after the charge was written");
        }

        await transaction.CommitAsync(context.CancellationToken);
    }
}

public sealed class InboxTests
{
    private const string Group = "payment";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static async Task<HeraldTestHarness> CreateAsync(SqliteTestDatabase database, ChargeSettings settings)
    {
        var harness = HeraldTestHarness.Create(
            h => h.AddHandler<ChargeHandler>(Group).UseSqliteInbox(database.StoreOptions),
            s => s.AddSingleton(database.StoreOptions).AddSingleton(settings));
        await new SqliteSchemaInitializer(database.StoreOptions).InitializeAsync(Cancellation);
        await using var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation);
        await using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE charges (order_id TEXT NOT NULL, amount NUMERIC NOT NULL);";
        await command.ExecuteNonQueryAsync(Cancellation);
        return harness;
    }

    private static async Task<List<string>> ChargesAsync(SqliteTestDatabase database)
    {
        await using var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT order_id FROM charges ORDER BY rowid;";
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        var charges = new List<string>();
        while (await reader.ReadAsync(Cancellation))
        {
            charges.Add(reader.GetString(0));
        }

        return charges;
    }

    [Fact]
    public async Task SameEventDeliveredTwice_ChargedOnceAndTheDuplicateCounted()
    {
        using var database = new SqliteTestDatabase();
        await using var harness = await CreateAsync(database, new ChargeSettings());

        var options = new PublishOptions { EventId = "payment-1", PartitionKey = "order-1" };
        await harness.PublishAsync(new PaymentRequested("order-1", 42m), options);
        await harness.PublishAsync(new PaymentRequested("order-1", 42m), options);
        await harness.ProcessPendingAsync(cancellationToken: Cancellation);

        Assert.Empty(harness.Failed.Select(f => f.Exception.ToString()));
        Assert.Equal(["order-1"], await ChargesAsync(database));
        Assert.Equal(2, harness.Handled.Count);
        var duplicate = Assert.Single(harness.Duplicates);
        Assert.Equal((Group, "payment-1"), (duplicate.Group, duplicate.Envelope.EventId));
    }

    [Fact]
    public async Task BusinessKey_TwoEventsForOneOrder_ChargedOnce()
    {
        using var database = new SqliteTestDatabase();
        await using var harness = await CreateAsync(database, new ChargeSettings { ByOrderId = true });

        await harness.PublishAsync(new PaymentRequested("order-7", 10m), new PublishOptions { PartitionKey = "order-7" });
        await harness.PublishAsync(new PaymentRequested("order-7", 10m), new PublishOptions { PartitionKey = "order-7" });
        await harness.PublishAsync(new PaymentRequested("order-8", 11m), new PublishOptions { PartitionKey = "order-8" });
        await harness.ProcessPendingAsync(cancellationToken: Cancellation);

        Assert.Equal(["order-7", "order-8"], (await ChargesAsync(database)).Order());
        Assert.Single(harness.Duplicates);
    }

    [Fact]
    public async Task HandlerFailsAfterRecording_TransactionRollsBackAndTheRedeliveryCharges()
    {
        using var database = new SqliteTestDatabase();
        await using var harness = await CreateAsync(database, new ChargeSettings { FailuresAfterCharging = 1 });

        await harness.PublishAsync(new PaymentRequested("order-1", 42m), new PublishOptions { PartitionKey = "order-1" });
        await harness.ProcessPendingAsync(cancellationToken: Cancellation);
        Assert.Empty(await ChargesAsync(database));

        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(1.2), Cancellation);

        Assert.Equal(["order-1"], await ChargesAsync(database));
        Assert.Empty(harness.Duplicates);
        Assert.Single(harness.FailedIn(Group));
    }

    [Fact]
    public async Task Cleanup_DeletesRecordsOlderThanTheRetention()
    {
        using var database = new SqliteTestDatabase();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await new SqliteSchemaInitializer(database.StoreOptions).InitializeAsync(Cancellation);
        var store = new SqliteInboxStore(database.StoreOptions, time);
        foreach (var key in new[] { "a", "b", "c" })
        {
            await using var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation);
            await using var transaction = await connection.BeginTransactionAsync(Cancellation);
            Assert.True(await store.TryRecordAsync(transaction, Group, key, Cancellation));
            await transaction.CommitAsync(Cancellation);
            time.Advance(TimeSpan.FromDays(7));
        }

        var options = new InboxOptions { Retention = TimeSpan.FromDays(10), CleanupBatchSize = 1 };
        var cleanup = new InboxCleanup(store, options, time, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        Assert.Equal(2, await cleanup.CleanupOnceAsync(Cancellation));
        await using (var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation))
        {
            await using var transaction = await connection.BeginTransactionAsync(Cancellation);
            Assert.True(await store.TryRecordAsync(transaction, Group, "a", Cancellation));
            Assert.False(await store.TryRecordAsync(transaction, Group, "c", Cancellation));
        }
    }

    [Fact]
    public void Options_OutOfRange_FailNamingTheOption()
    {
        using var database = new SqliteTestDatabase();

        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddHerald(h => h.UseSqliteInbox(database.StoreOptions, o => o.Retention = TimeSpan.FromSeconds(5))));

        Assert.Contains("InboxOptions.Retention", error.Message, StringComparison.Ordinal);
    }
}
