using System.Data.Common;
using Herald.Conformance.Stores;
using Herald.Inbox;
using Herald.Outbox;
using Microsoft.Data.Sqlite;

namespace Herald.Sqlite.Tests;

/// <summary>Hands each conformance test a fresh SQLite database file with the schema in place, removed after the class.</summary>
public sealed class SqliteStoreFixture : IStoreFixture
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "herald-sqlite-" + Guid.NewGuid().ToString("N"));

    public async ValueTask<IStoreDatabase> CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_root);
        var options = SqliteTestDatabase.Options(Path.Combine(_root, Guid.NewGuid().ToString("N") + ".db"));
        await new SqliteSchemaInitializer(options).InitializeAsync(cancellationToken);
        return new Database(options);
    }

    public ValueTask DisposeAsync()
    {
        // Pooled connections keep the files open; release them before deleting.
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    private sealed class Database(SqliteStoreOptions options) : IStoreDatabase
    {
        public IOutboxStore CreateOutboxStore(TimeProvider timeProvider) => new SqliteOutboxStore(options, timeProvider);

        public string OutboxTable => options.OutboxTable;

        public IInboxStore CreateInboxStore(TimeProvider timeProvider) => new SqliteInboxStore(options, timeProvider);

        public async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
            await SqliteConnectionFactory.OpenAsync(options, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
