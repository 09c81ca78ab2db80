using Herald.Outbox;
using Microsoft.Data.Sqlite;

namespace Herald.Sqlite.Tests;

public sealed class SqliteSchemaInitializerTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InitializeAsync_NewFile_WalModeAndConnectionsSynchronousFull()
    {
        using var database = new SqliteTestDatabase();
        await new SqliteSchemaInitializer(database.StoreOptions).InitializeAsync(Cancellation);

        await using var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation);

        Assert.Equal("wal", await ScalarAsync(connection, "PRAGMA journal_mode;"));
        Assert.Equal(2L, await ScalarAsync(connection, "PRAGMA synchronous;")); // 2 = FULL
        Assert.Equal(30_000L, await ScalarAsync(connection, "PRAGMA busy_timeout;"));
    }

    [Fact]
    public async Task InitializeAsync_CalledTwice_Idempotent()
    {
        using var database = new SqliteTestDatabase();
        var initializer = new SqliteSchemaInitializer(database.StoreOptions);

        await initializer.InitializeAsync(Cancellation);
        await initializer.InitializeAsync(Cancellation);

        await using var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation);
        Assert.Equal(2L, await ScalarAsync(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('herald_outbox', 'herald_inbox');"));
    }

    [Fact]
    public async Task InitializeAsync_CustomPrefix_CreatesPrefixedTables()
    {
        using var database = new SqliteTestDatabase("app_events_");
        await new SqliteSchemaInitializer(database.StoreOptions).InitializeAsync(Cancellation);

        await using var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation);
        Assert.Equal(2L, await ScalarAsync(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('app_events_outbox', 'app_events_inbox');"));
    }

    [Fact]
    public async Task InitializeAsync_ForeignTableWithSameName_ThrowsNamingTableAndDatabase()
    {
        using var database = new SqliteTestDatabase();
        await using (var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation))
        {
            await ScalarAsync(connection, "CREATE TABLE herald_outbox (id INTEGER PRIMARY KEY, payload TEXT);");
        }

        var error = await Assert.ThrowsAsync<SqliteStoreException>(() => new SqliteSchemaInitializer(database.StoreOptions).InitializeAsync(Cancellation).AsTask());

        Assert.Contains("'herald_outbox'", error.Message, StringComparison.Ordinal);
        Assert.Contains(database.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("envelope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitializeAsync_InMemoryDatabase_ThrowsBecauseWalIsUnavailable()
    {
        var options = new SqliteStoreOptions { ConnectionString = "Data Source=:memory:" };

        var error = await Assert.ThrowsAsync<SqliteStoreException>(() => new SqliteSchemaInitializer(options).InitializeAsync(Cancellation).AsTask());

        Assert.Contains("WAL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClaimAsync_SchemaNotInitialized_ThrowsNamingTableAndDatabase()
    {
        using var database = new SqliteTestDatabase();
        var store = new SqliteOutboxStore(database.StoreOptions, TimeProvider.System);

        var error = await Assert.ThrowsAsync<SqliteStoreException>(() => store.ClaimAsync("relay", 1, TimeSpan.FromSeconds(1), Cancellation).AsTask());

        Assert.Contains("'herald_outbox'", error.Message, StringComparison.Ordinal);
        Assert.Contains(database.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("SqliteSchemaInitializer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryRecordAsync_SchemaNotInitialized_ThrowsNamingTable()
    {
        using var database = new SqliteTestDatabase();
        var store = new SqliteInboxStore(database.StoreOptions, TimeProvider.System);
        await using var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);

        var error = await Assert.ThrowsAsync<SqliteStoreException>(() => store.TryRecordAsync(transaction, "billing", "event-1", Cancellation).AsTask());

        Assert.Contains("'herald_inbox'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("herald; DROP TABLE x; --")]
    [InlineData("with space")]
    [InlineData("herald_\n")]
    [InlineData("a_prefix_that_is_far_longer_than_forty_characters_")]
    public void Constructor_InvalidTablePrefix_ThrowsNamingOption(string prefix)
    {
        var options = new SqliteStoreOptions { ConnectionString = "Data Source=x.db", TablePrefix = prefix };

        var error = Assert.Throws<ArgumentException>(() => new SqliteOutboxStore(options, TimeProvider.System));

        Assert.Contains("TablePrefix", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddAsync_CompletedTransaction_Throws()
    {
        using var database = new SqliteTestDatabase();
        await new SqliteSchemaInitializer(database.StoreOptions).InitializeAsync(Cancellation);
        var store = new SqliteOutboxStore(database.StoreOptions, TimeProvider.System);
        await using var connection = await SqliteConnectionFactory.OpenAsync(database.StoreOptions, Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);
        await transaction.CommitAsync(Cancellation);

        await Assert.ThrowsAsync<ArgumentException>(() => store.AddAsync(transaction, Array.Empty<OutboxEntry>(), Cancellation).AsTask());
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(Cancellation);
    }
}
