using Herald.PostgreSql.Internal;
using Npgsql;

namespace Herald.PostgreSql;

/// <summary>Creates Herald's outbox and inbox tables, their indexes and their schema in a PostgreSQL database.</summary>
/// <remarks>
/// Idempotent: the schema, tables and indexes are created only when missing, so call it at every
/// start; instances starting together are serialized by a transaction-level advisory lock. An
/// existing table lacking a column Herald needs fails with <see cref="PostgreSqlStoreException"/>
/// naming the table and the database rather than failing later, mid-dispatch. The user needs the
/// CREATE privilege on the database (for a missing schema) or on the schema (for missing tables).
/// </remarks>
public sealed class PostgreSqlSchemaInitializer
{
    private readonly PostgreSqlStoreOptions _options;

    /// <summary>Creates an initializer for the options' database, schema and table names.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public PostgreSqlSchemaInitializer(PostgreSqlStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>Creates the schema, tables and indexes that are missing and checks the tables that exist.</summary>
    /// <param name="cancellationToken">Cancels the initialization.</param>
    /// <exception cref="PostgreSqlStoreException">An existing table lacks a column.</exception>
    public async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        var connection = await _options.GetDataSource().OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionDisposal = transaction.ConfigureAwait(false);

        // CREATE ... IF NOT EXISTS is not safe against a concurrent CREATE of the same name (it can
        // fail on a catalog unique index), so initializers of one table set take turns.
        await ExecuteAsync(transaction, "SELECT pg_advisory_xact_lock(hashtext(@name))", cancellationToken, ("name", "herald-schema:" + PostgreSqlSql.Qualify(_options.Schema, _options.OutboxTable))).ConfigureAwait(false);

        // Checked first: CREATE SCHEMA IF NOT EXISTS needs the database's CREATE privilege even when the schema exists.
        var schemaExists = await ExecuteAsync(transaction, "SELECT count(*) FROM pg_namespace WHERE nspname = @schema", cancellationToken, ("schema", _options.Schema)).ConfigureAwait(false);
        if (schemaExists is 0L)
        {
            await ExecuteAsync(transaction, $"CREATE SCHEMA IF NOT EXISTS \"{_options.Schema}\"", cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(transaction, PostgreSqlSql.CreateTables(_options), cancellationToken).ConfigureAwait(false);

        await AddQuarantineColumnsAsync(transaction, cancellationToken).ConfigureAwait(false);

        // Check before indexing: an index on a column a foreign table lacks fails with a bare "column does not exist".
        await CheckColumnsAsync(transaction, _options.OutboxTable, PostgreSqlSql.OutboxColumns, cancellationToken).ConfigureAwait(false);
        await CheckColumnsAsync(transaction, _options.InboxTable, PostgreSqlSql.InboxColumns, cancellationToken).ConfigureAwait(false);
        await CheckColumnsAsync(transaction, _options.SequenceTable, PostgreSqlSql.SequenceColumns, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(transaction, PostgreSqlSql.CreateIndexes(_options), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<object?> ExecuteAsync(NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params (string Name, string Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, transaction.Connection, transaction);
        await using var commandDisposal = command.ConfigureAwait(false);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter<string>(name, value));
        }

        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    // An outbox table created before quarantine existed gains its columns; a table lacking older columns too is not
    // Herald's, and is left for CheckColumnsAsync to refuse untouched.
    private async ValueTask AddQuarantineColumnsAsync(NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var actual = await ColumnsAsync(transaction, _options.OutboxTable, cancellationToken).ConfigureAwait(false);
        var added = PostgreSqlSql.AddedOutboxColumns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        if (PostgreSqlSql.OutboxColumns.Any(c => !added.Contains(c) && !actual.Contains(c)))
        {
            return;
        }

        foreach (var (name, type) in PostgreSqlSql.AddedOutboxColumns.Where(c => !actual.Contains(c.Name)))
        {
            await ExecuteAsync(transaction, $"ALTER TABLE {PostgreSqlSql.Qualify(_options.Schema, _options.OutboxTable)} ADD COLUMN IF NOT EXISTS {name} {type}", cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<HashSet<string>> ColumnsAsync(NpgsqlTransaction transaction, string table, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = @schema AND table_name = @table", transaction.Connection, transaction);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string>("schema", _options.Schema));
        command.Parameters.Add(new NpgsqlParameter<string>("table", table));
        var actual = new HashSet<string>(StringComparer.Ordinal);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            actual.Add(reader.GetString(0));
        }

        return actual;
    }

    private async ValueTask CheckColumnsAsync(NpgsqlTransaction transaction, string table, IReadOnlyList<string> expected, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        var actual = await ColumnsAsync(transaction, table, cancellationToken).ConfigureAwait(false);
        var missing = expected.Where(c => !actual.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new PostgreSqlStoreException(
                $"The table '{_options.Schema}.{table}' in the PostgreSQL database '{connection.Database}' on '{connection.DataSource}' lacks the column(s) {string.Join(", ", missing)} Herald needs: " +
                "it was created by something else or an older version. Rename or drop it, or set PostgreSqlStoreOptions.Schema or TablePrefix to use other tables.");
        }
    }
}
