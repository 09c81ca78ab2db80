using Herald.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Herald.EntityFrameworkCore.Tests;

/// <summary>Runs the DbContext outbox scenarios on a SQLite file in a temp directory.</summary>
public sealed class PublishEventSqliteTests : PublishEventScenarios, IDisposable
{
    private readonly SqliteTestDatabase _database = new();

    private protected override Task<ShopHarness> CreateHarnessAsync() => _database.CreateHarnessAsync(Cancellation);

    public void Dispose() => _database.Dispose();
}

/// <summary>A database file of one test in a temp directory, deleted on dispose.</summary>
internal sealed class SqliteTestDatabase : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-ef-" + Guid.NewGuid().ToString("N"));

    public SqliteTestDatabase()
    {
        Directory.CreateDirectory(_directory);
        StoreOptions = new SqliteStoreOptions { ConnectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "shop.db") }.ToString() };
    }

    public SqliteStoreOptions StoreOptions { get; }

    public Task<ShopHarness> CreateHarnessAsync(CancellationToken cancellationToken) => ShopHarness.CreateAsync(
        h => h.UseSqliteOutbox(StoreOptions, o => o.RelayId = "relay-1"),
        options => options.UseSqlite(StoreOptions.ConnectionString),
        ct => new SqliteSchemaInitializer(StoreOptions).InitializeAsync(ct),
        cancellationToken);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
