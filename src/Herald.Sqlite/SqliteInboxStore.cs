using System.Data.Common;
using Herald.Inbox;
using Herald.Sqlite.Internal;

namespace Herald.Sqlite;

/// <summary>Stores inbox records in a SQLite table keyed by (consumer group, idempotency key).</summary>
/// <remarks>Create the table first with <see cref="SqliteSchemaInitializer"/>. Thread-safe.</remarks>
public sealed class SqliteInboxStore : IInboxStore
{
    private readonly SqliteStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly string _table;
    private readonly string _insert;
    private readonly string _delete;

    /// <summary>Creates the store over the options' database.</summary>
    /// <param name="options">The database and table names.</param>
    /// <param name="timeProvider">The clock for record times.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public SqliteInboxStore(SqliteStoreOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider;
        _table = options.InboxTable;

        // DO NOTHING instead of catching a constraint error: the conflict is not an error, so the
        // handler's transaction stays usable and the caller decides whether to commit.
        _insert = $"INSERT INTO {_table} (consumer_group, idempotency_key, recorded_at) VALUES ($group, $key, $now) ON CONFLICT DO NOTHING;";
        _delete = $"""
            DELETE FROM {_table} WHERE (consumer_group, idempotency_key) IN (
                SELECT consumer_group, idempotency_key FROM {_table} WHERE recorded_at < $before ORDER BY recorded_at LIMIT $batch);
            """;
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryRecordAsync(DbTransaction transaction, string consumerGroup, string idempotencyKey, CancellationToken cancellationToken)
    {
        SqliteSql.ValidateTransaction(transaction);
        ArgumentException.ThrowIfNullOrEmpty(consumerGroup);
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        var connection = transaction.Connection!;
        var command = connection.CreateCommand();
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Transaction = transaction;
        command.CommandText = _insert;
        SqliteSql.Add(command, "$group", consumerGroup);
        SqliteSql.Add(command, "$key", idempotencyKey);
        SqliteSql.Add(command, "$now", _timeProvider.GetUtcNow().UtcTicks);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
        catch (Exception e) when (SqliteSql.IsSchemaError(e))
        {
            throw SqliteSql.SchemaError(e, connection, _table);
        }
    }

    /// <inheritdoc />
    public ValueTask<int> DeleteOlderThanAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken) =>
        SqliteSql.DeleteBatchAsync(_options, _delete, _table, before, batchSize, cancellationToken);
}
