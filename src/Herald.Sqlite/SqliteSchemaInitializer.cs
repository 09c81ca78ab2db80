using Herald.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace Herald.Sqlite;

/// <summary>Creates Herald's outbox and inbox tables in a SQLite database and switches it to WAL journal mode.</summary>
/// <remarks>
/// Idempotent: tables and indexes are created only when missing, so call it at every start.
/// An existing table lacking a column Herald needs fails with <see cref="SqliteStoreException"/>
/// naming the table and the database rather than failing later, mid-dispatch.
/// </remarks>
public sealed class SqliteSchemaInitializer
{
    private readonly SqliteStoreOptions _options;

    /// <summary>Creates an initializer for the options' database and table names.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public SqliteSchemaInitializer(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>Creates the tables and indexes that are missing and checks those that exist.</summary>
    /// <param name="cancellationToken">Cancels the initialization.</param>
    /// <exception cref="SqliteStoreException">The database cannot use WAL, or an existing table lacks a column.</exception>
    public async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        var connection = await SqliteConnectionFactory.OpenAsync(_options, cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        await EnableWalAsync(connection, cancellationToken).ConfigureAwait(false);
        var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionDisposal = transaction.ConfigureAwait(false);
        await ExecuteAsync(transaction, SqliteSql.CreateTables(_options.OutboxTable, _options.InboxTable, _options.SequenceTable), cancellationToken).ConfigureAwait(false);

        await AddQuarantineColumnsAsync(transaction, cancellationToken).ConfigureAwait(false);

        // Check before indexing: an index on a column a foreign table lacks fails with a bare "no such column".
        await CheckColumnsAsync(transaction, _options.OutboxTable, SqliteSql.OutboxColumns, cancellationToken).ConfigureAwait(false);
        await CheckColumnsAsync(transaction, _options.InboxTable, SqliteSql.InboxColumns, cancellationToken).ConfigureAwait(false);
        await CheckColumnsAsync(transaction, _options.SequenceTable, SqliteSql.SequenceColumns, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(transaction, SqliteSql.CreateIndexes(_options.OutboxTable, _options.InboxTable), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask ExecuteAsync(SqliteTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        var command = transaction.Connection!.CreateCommand();
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask EnableWalAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using var commandDisposal = command.ConfigureAwait(false);
        command.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            // SQLite answers with the mode it kept: in-memory databases stay 'memory'.
            throw new SqliteStoreException(
                $"The SQLite database '{connection.DataSource}' refused WAL journal mode (it is '{mode}'): Herald's stores need a database file, not an in-memory database.");
        }
    }

    // An outbox table created before quarantine existed gains its columns; a table lacking older columns too is not
    // Herald's, and is left for CheckColumnsAsync to refuse untouched.
    private async ValueTask AddQuarantineColumnsAsync(SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        var table = _options.OutboxTable;
        var actual = await ColumnsAsync(transaction, table, cancellationToken).ConfigureAwait(false);
        var added = SqliteSql.AddedOutboxColumns.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (SqliteSql.OutboxColumns.Any(c => !added.Contains(c) && !actual.Contains(c)))
        {
            return;
        }

        foreach (var (name, type) in SqliteSql.AddedOutboxColumns.Where(c => !actual.Contains(c.Name)))
        {
            await ExecuteAsync(transaction, $"ALTER TABLE {table} ADD COLUMN {name} {type};", cancellationToken).ConfigureAwait(false);
        }
    }

    private static async ValueTask<HashSet<string>> ColumnsAsync(SqliteTransaction transaction, string table, CancellationToken cancellationToken)
    {
        var command = transaction.Connection!.CreateCommand();
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Transaction = transaction;
        command.CommandText = "SELECT name FROM pragma_table_info($table);";
        command.Parameters.AddWithValue("$table", table);
        var actual = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            actual.Add(reader.GetString(0));
        }

        return actual;
    }

    private static async ValueTask CheckColumnsAsync(SqliteTransaction transaction, string table, IReadOnlyList<string> expected, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        var actual = await ColumnsAsync(transaction, table, cancellationToken).ConfigureAwait(false);
        var missing = expected.Where(c => !actual.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new SqliteStoreException(
                $"The table '{table}' in the SQLite database '{connection.DataSource}' lacks the column(s) {string.Join(", ", missing)} Herald needs: " +
                "it was created by something else or an older version. Rename or drop it, or set SqliteStoreOptions.TablePrefix to use other tables.");
        }
    }
}
