using System.Data.Common;
using Herald.Inbox;
using Herald.PostgreSql.Internal;
using Npgsql;

namespace Herald.PostgreSql;

/// <summary>Stores inbox records in a PostgreSQL table keyed by (consumer group, idempotency key).</summary>
/// <remarks>
/// A concurrent handler recording the same pair in an uncommitted transaction makes the second
/// insert wait for it: the second then sees a duplicate if the first commits, or records the pair
/// if it rolls back. Create the table first with <see cref="PostgreSqlSchemaInitializer"/>. Thread-safe.
/// </remarks>
public sealed class PostgreSqlInboxStore : IInboxStore
{
    private readonly PostgreSqlStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _insert;
    private readonly string _delete;

    /// <summary>Creates the store over the options' database.</summary>
    /// <param name="options">The database, schema and table names.</param>
    /// <param name="timeProvider">The clock for record times.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public PostgreSqlInboxStore(PostgreSqlStoreOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider;
        _dataSource = options.GetDataSource();
        var table = PostgreSqlSql.Qualify(options.Schema, options.InboxTable);

        // DO NOTHING instead of catching a unique violation: an error would abort the handler's
        // whole transaction, while a conflict that is not an error leaves it usable.
        _insert = $"INSERT INTO {table} (consumer_group, idempotency_key, recorded_at) VALUES (@group, @key, @now) ON CONFLICT DO NOTHING";
        _delete = $"""
            WITH doomed AS (
                SELECT consumer_group, idempotency_key FROM {table} WHERE recorded_at < @before
                ORDER BY recorded_at LIMIT @batch FOR UPDATE SKIP LOCKED)
            DELETE FROM {table} t USING doomed
            WHERE t.consumer_group = doomed.consumer_group AND t.idempotency_key = doomed.idempotency_key
            """;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The transaction is completed or not an Npgsql transaction.</exception>
    /// <exception cref="PostgreSqlStoreException">The table is missing; the caller's transaction is then aborted.</exception>
    public async ValueTask<bool> TryRecordAsync(DbTransaction transaction, string consumerGroup, string idempotencyKey, CancellationToken cancellationToken)
    {
        var connection = PostgreSqlSql.ValidateTransaction(transaction);
        ArgumentException.ThrowIfNullOrEmpty(consumerGroup);
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        var command = new NpgsqlCommand(_insert, connection, (NpgsqlTransaction)transaction);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string>("group", consumerGroup));
        command.Parameters.Add(new NpgsqlParameter<string>("key", idempotencyKey));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", _timeProvider.GetUtcNow()));
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
        catch (Exception e) when (PostgreSqlSql.IsSchemaError(e))
        {
            throw PostgreSqlSql.SchemaError(e, connection, _options.Schema, _options.InboxTable);
        }
    }

    /// <inheritdoc />
    public ValueTask<int> DeleteOlderThanAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken) =>
        PostgreSqlSql.DeleteBatchAsync(_dataSource, _options, _delete, _options.InboxTable, before, batchSize, cancellationToken);
}
