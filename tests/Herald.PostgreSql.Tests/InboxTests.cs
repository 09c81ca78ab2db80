using Herald.Consuming;
using Herald.Events;
using Herald.Hosting;
using Herald.Inbox;
using Herald.Publishing;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Herald.PostgreSql.Tests;

[Event("inbox.payment-requested")]
public sealed record PaymentRequested(string OrderId, decimal Amount);

/// <summary>What the charging handler is told to do, shared by its instances in one test.</summary>
public sealed class ChargeSettings
{
    public bool ByOrderId { get; init; }

    public int FailuresAfterCharging { get; set; }
}

/// <summary>Charges a card once per payment: the inbox record and the charge commit in one PostgreSQL transaction.</summary>
public sealed class ChargeHandler(IInbox inbox, PostgreSqlStoreOptions database, ChargeSettings settings) : IEventHandler<PaymentRequested>
{
    public async Task HandleAsync(EventContext<PaymentRequested> context)
    {
        await using var connection = await database.DataSource!.OpenConnectionAsync(context.CancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(context.CancellationToken);
        if (!await inbox.TryAcceptAsync(context, transaction, settings.ByOrderId ? context.Event.OrderId : null, context.CancellationToken))
        {
            return;
        }

        await using var command = new NpgsqlCommand($"INSERT INTO \"{database.Schema}\".charges (order_id, amount) VALUES (@order, @amount)", connection, transaction);
        command.Parameters.AddWithValue("order", context.Event.OrderId);
        command.Parameters.AddWithValue("amount", context.Event.Amount);
        await command.ExecuteNonQueryAsync(context.CancellationToken);
        if (settings.FailuresAfterCharging > 0)
        {
            settings.FailuresAfterCharging--;
            throw new InvalidOperationException("the card network timed out after the charge was written");
        }

        await transaction.CommitAsync(context.CancellationToken);
    }
}

public sealed class InboxTests(PostgreSqlServer server)
{
    internal const string Group = "payment";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SameEventDeliveredTwice_ChargedOnceAndTheDuplicateCounted()
    {
        var options = await CreateDatabaseAsync(server);
        await using var harness = Create(options, new ChargeSettings());

        var publish = new PublishOptions { EventId = "payment-1", PartitionKey = "order-1" };
        await harness.PublishAsync(new PaymentRequested("order-1", 42m), publish);
        await harness.PublishAsync(new PaymentRequested("order-1", 42m), publish);
        await harness.ProcessPendingAsync(cancellationToken: Cancellation);

        Assert.Empty(harness.Failed.Select(f => f.Exception.ToString()));
        Assert.Equal(["order-1"], await ChargesAsync(options));
        Assert.Equal(2, harness.Handled.Count);
        var duplicate = Assert.Single(harness.Duplicates);
        Assert.Equal((Group, "payment-1"), (duplicate.Group, duplicate.Envelope.EventId));
    }

    [Fact]
    public async Task BusinessKey_TwoEventsForOneOrder_ChargedOnce()
    {
        var options = await CreateDatabaseAsync(server);
        await using var harness = Create(options, new ChargeSettings { ByOrderId = true });

        await harness.PublishAsync(new PaymentRequested("order-7", 10m), new PublishOptions { PartitionKey = "order-7" });
        await harness.PublishAsync(new PaymentRequested("order-7", 10m), new PublishOptions { PartitionKey = "order-7" });
        await harness.PublishAsync(new PaymentRequested("order-8", 11m), new PublishOptions { PartitionKey = "order-8" });
        await harness.ProcessPendingAsync(cancellationToken: Cancellation);

        Assert.Equal(["order-7", "order-8"], (await ChargesAsync(options)).Order());
        Assert.Single(harness.Duplicates);
    }

    [Fact]
    public async Task HandlerFailsAfterRecording_TransactionRollsBackAndTheRedeliveryCharges()
    {
        var options = await CreateDatabaseAsync(server);
        await using var harness = Create(options, new ChargeSettings { FailuresAfterCharging = 1 });

        await harness.PublishAsync(new PaymentRequested("order-1", 42m), new PublishOptions { PartitionKey = "order-1" });
        await harness.ProcessPendingAsync(cancellationToken: Cancellation);
        Assert.Empty(await ChargesAsync(options));

        // Past the first redelivery delay (1 s) plus its jitter (up to 20%).
        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(2), Cancellation);

        Assert.Equal(["order-1"], await ChargesAsync(options));
        Assert.Empty(harness.Duplicates);
        Assert.Single(harness.FailedIn(Group));
    }

    [Fact]
    public async Task Cleanup_DeletesRecordsOlderThanTheRetention()
    {
        var options = await CreateDatabaseAsync(server);
        var time = new FakeTimeProvider(OutboxTestData.Start);
        var store = new PostgreSqlInboxStore(options, time);
        foreach (var key in new[] { "a", "b", "c" })
        {
            await using var connection = await server.DataSource.OpenConnectionAsync(Cancellation);
            await using var transaction = await connection.BeginTransactionAsync(Cancellation);
            Assert.True(await store.TryRecordAsync(transaction, Group, key, Cancellation));
            await transaction.CommitAsync(Cancellation);
            time.Advance(TimeSpan.FromDays(7));
        }

        // As InboxCleanup runs it: one bounded batch per call until a batch comes back short.
        var before = time.GetUtcNow() - TimeSpan.FromDays(10);
        Assert.Equal(1, await store.DeleteOlderThanAsync(before, 1, Cancellation));
        Assert.Equal(1, await store.DeleteOlderThanAsync(before, 1, Cancellation));
        Assert.Equal(0, await store.DeleteOlderThanAsync(before, 1, Cancellation));
        await using (var connection = await server.DataSource.OpenConnectionAsync(Cancellation))
        {
            await using var transaction = await connection.BeginTransactionAsync(Cancellation);
            Assert.True(await store.TryRecordAsync(transaction, Group, "a", Cancellation));
            Assert.False(await store.TryRecordAsync(transaction, Group, "c", Cancellation));
        }
    }

    [Fact]
    public void UsePostgreSqlInbox_OptionOutOfRange_FailsNamingTheOption()
    {
        var options = server.NewOptions();

        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddHerald(h => h.UsePostgreSqlInbox(options, o => o.Retention = TimeSpan.FromSeconds(5))));

        Assert.Contains("InboxOptions.Retention", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Creates a schema with Herald's tables and the handler's <c>charges</c> table.</summary>
    internal static async Task<PostgreSqlStoreOptions> CreateDatabaseAsync(PostgreSqlServer server)
    {
        var options = server.NewOptions();
        await new PostgreSqlSchemaInitializer(options).InitializeAsync(Cancellation);
        await OutboxTestData.ScalarAsync(server.DataSource, $"CREATE TABLE \"{options.Schema}\".charges (id bigint GENERATED ALWAYS AS IDENTITY, order_id text NOT NULL, amount numeric NOT NULL)", Cancellation);
        return options;
    }

    internal static async Task<List<string>> ChargesAsync(PostgreSqlStoreOptions options)
    {
        await using var command = options.DataSource!.CreateCommand($"SELECT order_id FROM \"{options.Schema}\".charges ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        var charges = new List<string>();
        while (await reader.ReadAsync(Cancellation))
        {
            charges.Add(reader.GetString(0));
        }

        return charges;
    }

    private static HeraldTestHarness Create(PostgreSqlStoreOptions options, ChargeSettings settings) => HeraldTestHarness.Create(
        h => h.AddHandler<ChargeHandler>(Group).UsePostgreSqlInbox(options),
        s => s.AddSingleton(options).AddSingleton(settings));
}
