using System.Data.Common;
using Npgsql;

namespace Herald.PostgreSql.Internal;

/// <summary>Holds the schema and the helpers the PostgreSQL stores share.</summary>
/// <remarks>Times are <c>timestamptz</c> from the store's <see cref="TimeProvider"/>, kept to PostgreSQL's microsecond precision.</remarks>
internal static class PostgreSqlSql
{
    public static readonly IReadOnlyList<string> OutboxColumns =
        ["id", "topic", "partition_key", "envelope", "created_at", "attempts", "lease_owner", "lease_expires_at", "dispatched_at", "quarantined_at", "quarantine_reason"];

    /// <summary>Gets the outbox columns added after the first release, with their types: an existing table gains them at initialization.</summary>
    public static readonly IReadOnlyList<(string Name, string Type)> AddedOutboxColumns = [("quarantined_at", "timestamptz NULL"), ("quarantine_reason", "text NULL")];

    public static readonly IReadOnlyList<string> InboxColumns = ["consumer_group", "idempotency_key", "recorded_at"];

    public static readonly IReadOnlyList<string> SequenceColumns = ["topic", "partition_key", "last"];

    /// <summary>Returns <c>"schema"."table"</c>; both names are validated by <see cref="PostgreSqlStoreOptions.Validate"/>.</summary>
    public static string Qualify(string schema, string table) => $"\"{schema}\".\"{table}\"";

    // Identity ids are unique and increase with insertion, not with commit: concurrent transactions
    // commit in any order, so the claim scans every undispatched row instead of reading past a
    // high-water mark (ADR 0007). The envelope is CloudEvents JSON text, as in the SQLite store;
    // text, not jsonb, so it round-trips byte for byte.
    public static string CreateTables(PostgreSqlStoreOptions options) => $"""
        CREATE TABLE IF NOT EXISTS {Qualify(options.Schema, options.OutboxTable)} (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            topic text NOT NULL,
            partition_key text NULL,
            envelope text NOT NULL,
            created_at timestamptz NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            lease_owner text NULL,
            lease_expires_at timestamptz NULL,
            dispatched_at timestamptz NULL,
            quarantined_at timestamptz NULL,
            quarantine_reason text NULL);
        CREATE TABLE IF NOT EXISTS {Qualify(options.Schema, options.InboxTable)} (
            consumer_group text NOT NULL,
            idempotency_key text NOT NULL,
            recorded_at timestamptz NOT NULL,
            PRIMARY KEY (consumer_group, idempotency_key));
        CREATE TABLE IF NOT EXISTS {Qualify(options.Schema, options.SequenceTable)} (
            topic text NOT NULL,
            partition_key text NOT NULL,
            last bigint NOT NULL,
            PRIMARY KEY (topic, partition_key));
        """;

    // _key serves the claim's "is this key leased by another relay" probe: a range scan on
    // (partition_key, lease_expires_at > now) instead of every undispatched row of a hot key.
    public static string CreateIndexes(PostgreSqlStoreOptions options)
    {
        var outbox = Qualify(options.Schema, options.OutboxTable);
        var inbox = Qualify(options.Schema, options.InboxTable);
        return $"""
            CREATE INDEX IF NOT EXISTS "{options.OutboxTable}_undispatched" ON {outbox} (id) WHERE dispatched_at IS NULL;
            CREATE INDEX IF NOT EXISTS "{options.OutboxTable}_key" ON {outbox} (partition_key, lease_expires_at) WHERE dispatched_at IS NULL AND partition_key IS NOT NULL;
            CREATE INDEX IF NOT EXISTS "{options.OutboxTable}_dispatched" ON {outbox} (dispatched_at) WHERE dispatched_at IS NOT NULL;
            CREATE INDEX IF NOT EXISTS "{options.InboxTable}_recorded" ON {inbox} (recorded_at);
            """;
    }

    /// <summary>Runs a bounded batch delete (<c>@before</c>, <c>@batch</c> rows at most) on a connection of its own.</summary>
    public static async ValueTask<int> DeleteBatchAsync(NpgsqlDataSource dataSource, PostgreSqlStoreOptions options, string sql, string table, DateTimeOffset before, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var command = new NpgsqlCommand(sql, connection);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("before", CeilingToMicrosecond(before)));
        command.Parameters.Add(new NpgsqlParameter<int>("batch", batchSize));
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsSchemaError(e))
        {
            throw SchemaError(e, connection, options.Schema, table);
        }
    }

    /// <summary>Rounds up to the next whole microsecond, PostgreSQL's precision.</summary>
    /// <remarks>
    /// Npgsql truncates ticks when writing; stored times are whole microseconds, so for a
    /// "before <paramref name="value"/>" bound, <c>stored &lt; ceiling(value)</c> is exactly <c>stored &lt; value</c>.
    /// </remarks>
    public static DateTimeOffset CeilingToMicrosecond(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        var remainder = utc.UtcTicks % TimeSpan.TicksPerMicrosecond;
        return remainder == 0 ? utc : utc.AddTicks(TimeSpan.TicksPerMicrosecond - remainder);
    }

    /// <summary>Says whether <paramref name="exception"/> means the schema, the table or a column is missing.</summary>
    public static bool IsSchemaError(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.InvalidSchemaName };

    public static PostgreSqlStoreException SchemaError(Exception exception, DbConnection? connection, string schema, string table) => new(
        $"The table '{schema}.{table}' in the PostgreSQL database '{connection?.Database}' on '{connection?.DataSource}' is missing or lacks a column Herald needs " +
        $"({exception.Message}): run PostgreSqlSchemaInitializer.InitializeAsync at startup, or check PostgreSqlStoreOptions.Schema and TablePrefix.",
        exception);

    /// <summary>Checks that <paramref name="transaction"/> is an open Npgsql transaction and returns its connection.</summary>
    /// <exception cref="ArgumentException">The transaction is completed, or belongs to another kind of database.</exception>
    public static NpgsqlConnection ValidateTransaction(DbTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (transaction is not NpgsqlTransaction npgsql)
        {
            throw new ArgumentException(
                $"The transaction is a {transaction.GetType().FullName}, not an NpgsqlTransaction: the PostgreSQL stores write in a transaction on the PostgreSQL database that holds Herald's tables.",
                nameof(transaction));
        }

        try
        {
            // Npgsql keeps Connection set after a commit; binding a command is what checks completion.
            var connection = npgsql.Connection;
            using var probe = new NpgsqlCommand(null, connection, npgsql);
            return connection is { State: System.Data.ConnectionState.Open } ? connection : throw Completed(null);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            throw Completed(e);
        }

        static ArgumentException Completed(Exception? inner) => new(
            "The transaction has already been committed, rolled back or disposed: pass the open transaction of the business changes.", nameof(transaction), inner);
    }
}
