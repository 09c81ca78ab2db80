using Herald.Consuming;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Outbox;
using Herald.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.Sqlite.Tests;

[Event("outbox.order-placed")]
public sealed record OutboxOrderPlaced(string OrderId);

public sealed class OutboxOrderHandler : IEventHandler<OutboxOrderPlaced>
{
    public Task HandleAsync(EventContext<OutboxOrderPlaced> context) => Task.CompletedTask;
}

public sealed class OutboxPublisherTests
{
    private const string Group = "billing";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PublishAsync_CommittedTransaction_DeliveredToHandlerOnce()
    {
        using var database = new SqliteTestDatabase();
        await using var harness = await CreateHarnessAsync(database);

        EventEnvelope envelope;
        await using (var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation))
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(Cancellation);
            await InsertOrderAsync(transaction, "order-1");
            envelope = await harness.Services.GetRequiredService<IOutboxPublisher>().PublishAsync(transaction, new OutboxOrderPlaced("order-1"), cancellationToken: Cancellation);
            Assert.Empty(harness.Published); // nothing reaches the transport before the relay runs
            await transaction.CommitAsync(Cancellation);
        }

        var relay = harness.Services.GetRequiredService<OutboxRelay>();
        Assert.Equal(1, await relay.RelayOnceAsync(Cancellation));
        await harness.ProcessPendingAsync(cancellationToken: Cancellation);
        Assert.Equal(0, await relay.RelayOnceAsync(Cancellation));
        await harness.ProcessPendingAsync(cancellationToken: Cancellation);

        var handled = Assert.Single(harness.Handled);
        Assert.Equal(Group, handled.Group);
        Assert.Equal(new OutboxOrderPlaced("order-1"), handled.Event);
        Assert.Equal(envelope.EventId, handled.Envelope.EventId);
        Assert.Equal("order-1", envelope.PartitionKey);
        Assert.Equal(envelope.EventId, envelope.CorrelationId);
        Assert.Equal(0, envelope.Depth);
        Assert.Null(envelope.CausationId);
    }

    [Fact]
    public async Task PublishAsync_RolledBackTransaction_NeverDelivered()
    {
        using var database = new SqliteTestDatabase();
        await using var harness = await CreateHarnessAsync(database);

        await using (var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation))
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(Cancellation);
            await InsertOrderAsync(transaction, "order-1");
            await harness.Services.GetRequiredService<IOutboxPublisher>().PublishAsync(transaction, new OutboxOrderPlaced("order-1"), cancellationToken: Cancellation);
            await transaction.RollbackAsync(Cancellation);
        }

        Assert.Equal(0, await harness.Services.GetRequiredService<OutboxRelay>().RelayOnceAsync(Cancellation));
        await harness.ProcessPendingAsync(cancellationToken: Cancellation);
        Assert.Empty(harness.Handled);
        Assert.Equal(0, (await harness.Services.GetRequiredService<IOutboxStore>().GetStatisticsAsync(Cancellation)).UndispatchedCount);
    }

    [Fact]
    public async Task UseSqliteOutbox_HostedServices_CreateSchemaAndRelay()
    {
        using var database = new SqliteTestDatabase();
        await using var harness = HeraldTestHarness.Create(Configure(database));
        var hosted = harness.Services.GetServices<IHostedService>().Where(s => s is not (ConsumerService or DeadLetterRetention)).ToList();

        Assert.Equal(2, hosted.Count);
        Assert.IsType<OutboxRelay>(hosted[1]);
        await hosted[0].StartAsync(Cancellation); // the schema
        Assert.Equal(0, (await harness.Services.GetRequiredService<IOutboxStore>().GetStatisticsAsync(Cancellation)).UndispatchedCount);
        Assert.IsType<SqliteOutboxStore>(harness.Services.GetRequiredService<IOutboxStore>());
    }

    [Fact]
    public void UseSqliteOutbox_CalledTwice_ThrowsNamingTheCall()
    {
        using var database = new SqliteTestDatabase();
        var services = new ServiceCollection();

        var error = Assert.Throws<InvalidOperationException>(() => services.AddHerald(h => h.UseSqliteOutbox(database.StoreOptions).UseSqliteOutbox(database.StoreOptions)));

        Assert.Contains("UseOutbox", error.Message, StringComparison.Ordinal);
    }

    private static Action<HeraldBuilder> Configure(SqliteTestDatabase database) => h => h
        .AddHandler<OutboxOrderHandler>(Group)
        .AddEvent<OutboxOrderPlaced>(e => e.PartitionKey(o => o.OrderId))
        .UseSqliteOutbox(database.StoreOptions, o => o.RelayId = "relay-1");

    private static async Task<HeraldTestHarness> CreateHarnessAsync(SqliteTestDatabase database)
    {
        var harness = HeraldTestHarness.Create(Configure(database));
        await new SqliteSchemaInitializer(database.StoreOptions).InitializeAsync(Cancellation);
        await using var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation);
        await using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE orders (id TEXT PRIMARY KEY);";
        await command.ExecuteNonQueryAsync(Cancellation);
        return harness;
    }

    private static async Task InsertOrderAsync(SqliteTransaction transaction, string id)
    {
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO orders (id) VALUES ($id);";
        command.Parameters.AddWithValue("$id", id);
        await command.ExecuteNonQueryAsync(Cancellation);
    }
}
