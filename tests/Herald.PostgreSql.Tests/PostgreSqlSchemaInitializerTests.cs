using Microsoft.Data.Sqlite;
using Npgsql;

namespace Herald.PostgreSql.Tests;

public sealed class PostgreSqlSchemaInitializerTests(PostgreSqlServer server)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InitializeAsync_NewSchema_CreatesTablesWithIdentityIdsAndPartialIndexes()
    {
        var options = server.NewOptions("app_events_");

        await new PostgreSqlSchemaInitializer(options).InitializeAsync(Cancellation);

        Assert.Equal("a", await ScalarAsync(
            $"SELECT attidentity::text FROM pg_attribute WHERE attrelid = '\"{options.Schema}\".app_events_outbox'::regclass AND attname = 'id'"));
        Assert.Equal("bigint", await ScalarAsync(
            $"SELECT data_type FROM information_schema.columns WHERE table_schema = '{options.Schema}' AND table_name = 'app_events_outbox' AND column_name = 'id'"));
        Assert.Equal("timestamp with time zone", await ScalarAsync(
            $"SELECT data_type FROM information_schema.columns WHERE table_schema = '{options.Schema}' AND table_name = 'app_events_outbox' AND column_name = 'created_at'"));
        Assert.Equal("consumer_group, idempotency_key", await ScalarAsync($"""
            SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = '"{options.Schema}".app_events_inbox'::regclass AND i.indisprimary
            """));
        Assert.Contains("WHERE (dispatched_at IS NULL)", (string)(await ScalarAsync(
            $"SELECT indexdef FROM pg_indexes WHERE schemaname = '{options.Schema}' AND indexname = 'app_events_outbox_undispatched'"))!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitializeAsync_CalledTwiceAndConcurrently_Idempotent()
    {
        var options = server.NewOptions();
        var initializer = new PostgreSqlSchemaInitializer(options);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => initializer.InitializeAsync(Cancellation).AsTask())));
        await initializer.InitializeAsync(Cancellation);

        Assert.Equal(3L, await ScalarAsync($"SELECT count(*) FROM pg_tables WHERE schemaname = '{options.Schema}'"));
    }

    [Fact]
    public async Task InitializeAsync_ForeignTableWithSameName_ThrowsNamingTableAndDatabase()
    {
        var options = server.NewOptions();
        await ScalarAsync($"CREATE SCHEMA \"{options.Schema}\"; CREATE TABLE \"{options.Schema}\".herald_outbox (id bigint PRIMARY KEY, payload text);");

        var error = await Assert.ThrowsAsync<PostgreSqlStoreException>(() => new PostgreSqlSchemaInitializer(options).InitializeAsync(Cancellation).AsTask());

        Assert.Contains($"'{options.Schema}.herald_outbox'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{server.Database}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("envelope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClaimAsync_SchemaNotInitialized_ThrowsNamingTableDatabaseAndInitializer()
    {
        var options = server.NewOptions();
        var store = new PostgreSqlOutboxStore(options, TimeProvider.System);

        var error = await Assert.ThrowsAsync<PostgreSqlStoreException>(() => store.ClaimAsync("relay", 1, TimeSpan.FromSeconds(1), Cancellation).AsTask());

        Assert.Contains($"'{options.Schema}.herald_outbox'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{server.Database}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSqlSchemaInitializer", error.Message, StringComparison.Ordinal);
        Assert.IsType<PostgresException>(error.InnerException);
    }

    [Fact]
    public async Task TryRecordAsync_SchemaNotInitialized_ThrowsNamingTable()
    {
        var options = server.NewOptions();
        var store = new PostgreSqlInboxStore(options, TimeProvider.System);
        await using var connection = await server.DataSource.OpenConnectionAsync(Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);

        var error = await Assert.ThrowsAsync<PostgreSqlStoreException>(() => store.TryRecordAsync(transaction, "billing", "event-1", Cancellation).AsTask());

        Assert.Contains($"'{options.Schema}.herald_inbox'", error.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSqlSchemaInitializer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddAsync_CommittedOrDisposedTransaction_ThrowsArgumentException()
    {
        var options = server.NewOptions();
        await new PostgreSqlSchemaInitializer(options).InitializeAsync(Cancellation);
        var outbox = new PostgreSqlOutboxStore(options, TimeProvider.System);
        var inbox = new PostgreSqlInboxStore(options, TimeProvider.System);
        await using var connection = await server.DataSource.OpenConnectionAsync(Cancellation);
        var transaction = await connection.BeginTransactionAsync(Cancellation);
        await transaction.CommitAsync(Cancellation);

        var committed = await Assert.ThrowsAsync<ArgumentException>(() => outbox.AddAsync(transaction, [OutboxTestData.Entry(null, 0)], Cancellation).AsTask());
        await transaction.DisposeAsync();
        var disposed = await Assert.ThrowsAsync<ArgumentException>(() => inbox.TryRecordAsync(transaction, "billing", "event-1", Cancellation).AsTask());

        Assert.Contains("already been committed", committed.Message, StringComparison.Ordinal);
        Assert.Equal("transaction", disposed.ParamName);
    }

    [Fact]
    public async Task AddAsync_TransactionOfAnotherDatabaseKind_ThrowsNamingIt()
    {
        var options = server.NewOptions();
        var outbox = new PostgreSqlOutboxStore(options, TimeProvider.System);
        var inbox = new PostgreSqlInboxStore(options, TimeProvider.System);
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync(Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => outbox.AddAsync(transaction, [OutboxTestData.Entry(null, 0)], Cancellation).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => inbox.TryRecordAsync(transaction, "billing", "event-1", Cancellation).AsTask());

        Assert.Contains("SqliteTransaction", error.Message, StringComparison.Ordinal);
        Assert.Contains("NpgsqlTransaction", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public", "")]
    [InlineData("public", "1abc")]
    [InlineData("public", "herald\"; DROP TABLE x; --")]
    [InlineData("public", "with space")]
    [InlineData("public", "a_prefix_that_is_far_longer_than_forty_characters_")]
    [InlineData("", "herald_")]
    [InlineData("my-schema", "herald_")]
    [InlineData("s\".\"t", "herald_")]
    public void Constructor_InvalidIdentifier_ThrowsNamingOption(string schema, string prefix)
    {
        var options = new PostgreSqlStoreOptions { ConnectionString = "Host=localhost", Schema = schema, TablePrefix = prefix };

        var error = Assert.Throws<ArgumentException>(() => new PostgreSqlOutboxStore(options, TimeProvider.System));

        Assert.Contains(schema == "public" ? "TablePrefix" : "Schema", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NeitherOrBothDatabaseSettings_ThrowsNamingThem()
    {
        var neither = Assert.Throws<ArgumentException>(new PostgreSqlStoreOptions().Validate);
        using var dataSource = NpgsqlDataSource.Create("Host=localhost");
        var both = Assert.Throws<ArgumentException>(new PostgreSqlStoreOptions { ConnectionString = "Host=localhost", DataSource = dataSource }.Validate);

        Assert.Contains("DataSource and ConnectionString", neither.Message, StringComparison.Ordinal);
        Assert.Contains("DataSource and ConnectionString", both.Message, StringComparison.Ordinal);
    }

    private async Task<object?> ScalarAsync(string sql) => await OutboxTestData.ScalarAsync(server.DataSource, sql, Cancellation);
}
