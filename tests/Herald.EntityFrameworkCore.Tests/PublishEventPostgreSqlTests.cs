using Herald.PostgreSql;
using Microsoft.EntityFrameworkCore;

namespace Herald.EntityFrameworkCore.Tests;

/// <summary>Runs the DbContext outbox scenarios on PostgreSQL, each test in a schema of its own.</summary>
public sealed class PublishEventPostgreSqlTests(PostgreSqlServer server) : PublishEventScenarios, IClassFixture<PostgreSqlServer>
{
    [Fact]
    public async Task SaveChangesAsync_RetryingExecutionStrategy_CommitsEntityAndEvents()
    {
        await using var shop = await CreateHarnessAsync(retryOnFailure: true);

        await using (var scope = shop.CreateScope())
        {
            var db = ShopHarness.Db(scope);
            db.Orders.Add(new Order { Number = "A-1" });
            db.PublishEvent(new OrderPlaced("A-1"));
            await db.SaveChangesAsync(Cancellation);
        }

        Assert.Equal(["A-1"], await shop.OrderNumbersAsync(Cancellation));
        Assert.Equal(1, await shop.RelayAsync(Cancellation));
        Assert.Equal([new OrderPlaced("A-1")], shop.Audited());
    }

    private protected override Task<ShopHarness> CreateHarnessAsync() => CreateHarnessAsync(retryOnFailure: false);

    private Task<ShopHarness> CreateHarnessAsync(bool retryOnFailure)
    {
        var (schema, dataSource, connectionString) = server.NewSchema();
        var storeOptions = new PostgreSqlStoreOptions { DataSource = dataSource, Schema = schema };
        return ShopHarness.CreateAsync(
            h => h.UsePostgreSqlOutbox(storeOptions, o => o.RelayId = "relay-1"),
            options => options.UseNpgsql(connectionString, npgsql =>
            {
                if (retryOnFailure)
                {
                    npgsql.EnableRetryOnFailure();
                }
            }),
            ct => new PostgreSqlSchemaInitializer(storeOptions).InitializeAsync(ct),
            Cancellation);
    }
}
