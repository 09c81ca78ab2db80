using System.Data.Common;
using Herald.Conformance.Stores;
using Herald.Inbox;
using Herald.Outbox;

namespace Herald.PostgreSql.Tests;

/// <summary>Hands each conformance test a schema of its own on the run's database, with the tables in place.</summary>
public sealed class PostgreSqlStoreFixture(PostgreSqlServer server) : IStoreFixture
{
    public async ValueTask<IStoreDatabase> CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        var options = server.NewOptions();
        await new PostgreSqlSchemaInitializer(options).InitializeAsync(cancellationToken);
        return new Database(options);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Database(PostgreSqlStoreOptions options) : IStoreDatabase
    {
        public IOutboxStore CreateOutboxStore(TimeProvider timeProvider) => new PostgreSqlOutboxStore(options, timeProvider);

        public string OutboxTable => $"\"{options.Schema}\".\"{options.OutboxTable}\"";

        public IInboxStore CreateInboxStore(TimeProvider timeProvider) => new PostgreSqlInboxStore(options, timeProvider);

        public async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
            await options.DataSource!.OpenConnectionAsync(cancellationToken);

        // The schema goes with the run's database; dropping it here would only slow the suite down.
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
