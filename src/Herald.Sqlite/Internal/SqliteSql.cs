using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Herald.Sqlite.Internal;

/// <summary>Holds the schema and the helpers the SQLite stores share.</summary>
/// <remarks>Times are stored as UTC ticks (INTEGER): exact, and ordered by plain integer comparison.</remarks>
internal static class SqliteSql
{
    public static readonly IReadOnlyList<string> OutboxColumns =
        ["id", "topic", "partition_key", "envelope", "created_at", "attempts", "lease_owner", "lease_expires_at", "dispatched_at", "quarantined_at", "quarantine_reason"];

    /// <summary>Gets the outbox columns added after the first release, with their types: an existing table gains them at initialization.</summary>
    public static readonly IReadOnlyList<(string Name, string Type)> AddedOutboxColumns = [("quarantined_at", "INTEGER NULL"), ("quarantine_reason", "TEXT NULL")];

    public static readonly IReadOnlyList<string> InboxColumns = ["consumer_group", "idempotency_key", "recorded_at"];

    public static readonly IReadOnlyList<string> SequenceColumns = ["topic", "partition_key", "last"];

    // AUTOINCREMENT: ids are never reused, even after the newest rows are deleted, so id order is
    // insertion order for the life of the table. SQLite has one writer at a time, so insertion
    // order is also commit order and a relay cannot skip a row committed late.
    public static string CreateTables(string outbox, string inbox, string sequences) => $"""
        CREATE TABLE IF NOT EXISTS {outbox} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            topic TEXT NOT NULL,
            partition_key TEXT NULL,
            envelope TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            lease_owner TEXT NULL,
            lease_expires_at INTEGER NULL,
            dispatched_at INTEGER NULL,
            quarantined_at INTEGER NULL,
            quarantine_reason TEXT NULL);
        CREATE TABLE IF NOT EXISTS {inbox} (
            consumer_group TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            recorded_at INTEGER NOT NULL,
            PRIMARY KEY (consumer_group, idempotency_key)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS {sequences} (
            topic TEXT NOT NULL,
            partition_key TEXT NOT NULL,
            last INTEGER NOT NULL,
            PRIMARY KEY (topic, partition_key)) WITHOUT ROWID;
        """;

    public static string CreateIndexes(string outbox, string inbox) => $"""
        CREATE INDEX IF NOT EXISTS {outbox}_undispatched ON {outbox} (id) WHERE dispatched_at IS NULL;
        CREATE INDEX IF NOT EXISTS {outbox}_key ON {outbox} (partition_key, id) WHERE dispatched_at IS NULL AND partition_key IS NOT NULL;
        CREATE INDEX IF NOT EXISTS {outbox}_dispatched ON {outbox} (dispatched_at) WHERE dispatched_at IS NOT NULL;
        CREATE INDEX IF NOT EXISTS {inbox}_recorded ON {inbox} (recorded_at);
        """;

    public static DbParameter Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    public static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);

    /// <summary>Says whether <paramref name="exception"/> means the table is missing or lacks a column.</summary>
    public static bool IsSchemaError(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 1 } e
        && (e.Message.Contains("no such table", StringComparison.Ordinal) || e.Message.Contains("no such column", StringComparison.Ordinal));

    public static SqliteStoreException SchemaError(Exception exception, DbConnection? connection, string table) => new(
        $"The table '{table}' in the SQLite database '{connection?.DataSource}' is missing or lacks a column Herald needs ({exception.Message}): " +
        "run SqliteSchemaInitializer.InitializeAsync at startup, or check SqliteStoreOptions.TablePrefix.",
        exception);

    public static void ValidateTransaction(DbTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (transaction.Connection is null)
        {
            throw new ArgumentException("The transaction has already been committed or rolled back: pass the open transaction of the business changes.", nameof(transaction));
        }
    }

    /// <summary>Runs a bounded batch delete (<c>$before</c> in UTC ticks, <c>$batch</c> rows at most) on a connection of its own.</summary>
    public static async ValueTask<int> DeleteBatchAsync(SqliteStoreOptions options, string sql, string table, DateTimeOffset before, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var connection = await SqliteConnectionFactory.OpenAsync(options, cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var command = connection.CreateCommand();
        await using var commandDisposal = command.ConfigureAwait(false);
        command.CommandText = sql;
        command.Parameters.AddWithValue("$before", before.UtcTicks);
        command.Parameters.AddWithValue("$batch", batchSize);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsSchemaError(e))
        {
            throw SchemaError(e, connection, table);
        }
    }
}
