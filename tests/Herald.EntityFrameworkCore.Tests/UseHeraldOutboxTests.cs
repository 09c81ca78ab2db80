using Herald.Hosting;
using Herald.Outbox;
using Herald.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.EntityFrameworkCore.Tests;

public sealed class UseHeraldOutboxTests : IDisposable
{
    private readonly SqliteTestDatabase _database = new();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public void UseHeraldOutbox_NoOutboxRegistered_ThrowsNamingTheStoreCalls()
    {
        using var services = Services(h => h.AddEvent<OrderPlaced>(), (sp, o) => o.UseSqlite(_database.StoreOptions.ConnectionString).UseHeraldOutbox(sp));
        using var scope = services.CreateScope();

        var error = Assert.Throws<InvalidOperationException>(() => scope.ServiceProvider.GetRequiredService<ShopDbContext>());

        Assert.Contains("UseSqliteOutbox", error.Message, StringComparison.Ordinal);
        Assert.Contains("UsePostgreSqlOutbox", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseHeraldOutbox_CalledTwice_Throws()
    {
        using var services = Services(h => h.UseSqliteOutbox(_database.StoreOptions), (sp, o) => o.UseHeraldOutbox(sp).UseHeraldOutbox(sp));
        using var scope = services.CreateScope();

        var error = Assert.Throws<InvalidOperationException>(() => scope.ServiceProvider.GetRequiredService<ShopDbContext>());

        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseHeraldOutbox_NonRelationalProvider_ThrowsNamingRelationalProviders()
    {
        using var services = Services(h => h.UseSqliteOutbox(_database.StoreOptions), (sp, o) => o.UseInMemoryDatabase("shop").UseHeraldOutbox(sp));
        using var scope = services.CreateScope();

        // EF Core validates the options when the context first needs its services: here, at construction.
        var error = Assert.Throws<InvalidOperationException>(() => scope.ServiceProvider.GetRequiredService<ShopDbContext>().PublishEvent(new OrderPlaced("A-1")));

        Assert.Contains("relational", error.Message, StringComparison.Ordinal);
        Assert.Contains("UseSqlite", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PublishEvent_ContextWithoutUseHeraldOutbox_ThrowsNamingIt()
    {
        using var services = Services(h => h.UseSqliteOutbox(_database.StoreOptions), (_, o) => o.UseSqlite(_database.StoreOptions.ConnectionString));
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopDbContext>();

        var error = Assert.Throws<InvalidOperationException>(() => db.PublishEvent(new OrderPlaced("A-1")));

        Assert.Contains("UseHeraldOutbox", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishEvent_UnregisteredEventType_ThrowsAtOnceAndSavesNothing()
    {
        await using var shop = await _database.CreateHarnessAsync(Cancellation);
        await using var scope = shop.CreateScope();
        var db = ShopHarness.Db(scope);

        var error = Assert.Throws<InvalidOperationException>(() => db.PublishEvent(new NotAnEvent("A-1")));
        await db.SaveChangesAsync(Cancellation);

        Assert.Contains("AddEvent<NotAnEvent>", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await shop.UndispatchedAsync(Cancellation));
    }

    [Fact]
    public async Task SaveChangesAsync_InsideTransactionScope_ThrowsNotSupportedAndKeepsEvents()
    {
        await using var shop = await _database.CreateHarnessAsync(Cancellation);
        await using var scope = shop.CreateScope();
        var db = ShopHarness.Db(scope);
        db.Orders.Add(new Order { Number = "A-1" });
        db.PublishEvent(new OrderPlaced("A-1"));

        using (new System.Transactions.TransactionScope(System.Transactions.TransactionScopeAsyncFlowOption.Enabled))
        {
            var error = await Assert.ThrowsAsync<NotSupportedException>(() => db.SaveChangesAsync(Cancellation));
            Assert.Contains("BeginTransaction", error.Message, StringComparison.Ordinal);
        }

        await db.SaveChangesAsync(Cancellation);
        Assert.Equal(1, await shop.RelayAsync(Cancellation));
    }

    [Fact]
    public async Task PublishEvent_PooledContextReturnedUnsaved_EventsDoNotLeakToTheNextLease()
    {
        var services = new ServiceCollection();
        services.AddHerald(h => h.UseInMemoryTransport().AddEvent<OrderPlaced>().UseSqliteOutbox(_database.StoreOptions));
        services.AddDbContextPool<ShopDbContext>((sp, o) => o.UseSqlite(_database.StoreOptions.ConnectionString).UseHeraldOutbox(sp));
        await using var provider = services.BuildServiceProvider();
        await new SqliteSchemaInitializer(_database.StoreOptions).InitializeAsync(Cancellation);

        ShopDbContext first;
        await using (var scope = provider.CreateAsyncScope())
        {
            first = scope.ServiceProvider.GetRequiredService<ShopDbContext>();
            await first.GetService<IRelationalDatabaseCreator>().CreateTablesAsync(Cancellation);
            first.PublishEvent(new OrderPlaced("abandoned"));
        }

        await using (var scope = provider.CreateAsyncScope())
        {
            var second = scope.ServiceProvider.GetRequiredService<ShopDbContext>();
            Assert.Same(first, second);
            second.Orders.Add(new Order { Number = "A-1" });
            await second.SaveChangesAsync(Cancellation);
        }

        Assert.Equal(0, (await provider.GetRequiredService<IOutboxStore>().GetStatisticsAsync(Cancellation)).UndispatchedCount);
    }

    public void Dispose() => _database.Dispose();

    private static ServiceProvider Services(Action<HeraldBuilder> herald, Action<IServiceProvider, DbContextOptionsBuilder> database)
    {
        var services = new ServiceCollection();
        services.AddHerald(h =>
        {
            h.UseInMemoryTransport();
            herald(h);
        });
        services.AddDbContext<ShopDbContext>(database);
        return services.BuildServiceProvider();
    }
}
