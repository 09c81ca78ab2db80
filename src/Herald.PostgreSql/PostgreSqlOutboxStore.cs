using System.Data.Common;
using System.Text;
using Herald.Events;
using Herald.Outbox;
using Herald.PostgreSql.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Herald.PostgreSql;

/// <summary>Stores outbox rows in a PostgreSQL table, envelopes as CloudEvents structured JSON.</summary>
/// <remarks>
/// <para>
/// Row ids come from an identity column: assigned at insert, visible at commit, so a row with a
/// lower id can become visible after rows with higher ids were dispatched. Claims therefore never
/// keep a high-water mark: each one scans the undispatched rows from the oldest (a partial index
/// holds only those), so a late-committing row is claimed by the next claim after its commit.
/// </para>
/// <para>
/// Relays may run in any number of processes. A claim is one short transaction of two statements.
/// First it takes, with <c>pg_try_advisory_xact_lock</c>, a transaction lock per partition key
/// (hashed) of the oldest claimable rows, skipping keys another claim is locking right now.
/// Then, in a second statement, whose snapshot therefore sees every claim of those keys that
/// committed before, it leases the oldest rows that are unkeyed or of a locked key not leased by
/// another relay, <c>FOR UPDATE SKIP LOCKED</c>. The row lock and the lease re-check on the locked
/// row keep two relays from leasing one row; the key lock keeps two claims from splitting one key
/// between relays, which <c>SKIP LOCKED</c> alone would allow (one claim locks a key's first row,
/// the other skips it and takes the second). Hash collisions only make a claim skip a key until
/// its next round. See docs/adr/0007-postgresql-outbox-claims.md. Create the tables first with
/// <see cref="PostgreSqlSchemaInitializer"/>. Thread-safe.
/// </para>
/// </remarks>
public sealed class PostgreSqlOutboxStore : IOutboxStore
{
    private readonly PostgreSqlStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private readonly PostgreSqlOutboxSql _sql;

    /// <summary>Creates the store over the options' database.</summary>
    /// <param name="options">The database, schema and table names.</param>
    /// <param name="timeProvider">The clock for creation times, leases and dispatch times; relays sharing a table should share a clock source.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public PostgreSqlOutboxStore(PostgreSqlStoreOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider;
        _dataSource = options.GetDataSource();
        _table = PostgreSqlSql.Qualify(options.Schema, options.OutboxTable);
        _sql = new PostgreSqlOutboxSql(_table);
    }

    /// <inheritdoc />
    /// <remarks>An upsert in the caller's transaction: the key's counter row stays locked until it ends, so concurrent publishers of a key take turns and a rollback gives the number back.</remarks>
    /// <exception cref="ArgumentException">The transaction is completed or not an Npgsql transaction.</exception>
    /// <exception cref="PostgreSqlStoreException">The table is missing; the caller's transaction is then aborted.</exception>
    public async ValueTask<long> NextSequenceAsync(DbTransaction transaction, string topic, string partitionKey, CancellationToken cancellationToken)
    {
        var connection = PostgreSqlSql.ValidateTransaction(transaction);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(partitionKey);
        var table = PostgreSqlSql.Qualify(_options.Schema, _options.SequenceTable);
        var command = new NpgsqlCommand(
            $"""
            INSERT INTO {table} AS s (topic, partition_key, last) VALUES (@topic, @key, 1)
            ON CONFLICT (topic, partition_key) DO UPDATE SET last = s.last + 1
            RETURNING last
            """,
            connection,
            (NpgsqlTransaction)transaction);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string>("topic", topic));
        command.Parameters.Add(new NpgsqlParameter<string>("key", partitionKey));
        try
        {
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (Exception e) when (PostgreSqlSql.IsSchemaError(e))
        {
            throw PostgreSqlSql.SchemaError(e, connection, _options.Schema, _options.SequenceTable);
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The transaction is completed or not an Npgsql transaction.</exception>
    /// <exception cref="PostgreSqlStoreException">The table is missing; the caller's transaction is then aborted.</exception>
    public async ValueTask AddAsync(DbTransaction transaction, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        var connection = PostgreSqlSql.ValidateTransaction(transaction);
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        var now = _timeProvider.GetUtcNow();
        var batch = new NpgsqlBatch(connection, (NpgsqlTransaction)transaction);
        await using var batchDisposal = batch.ConfigureAwait(false);
        foreach (var entry in entries)
        {
            ArgumentNullException.ThrowIfNull(entry);
            ArgumentException.ThrowIfNullOrEmpty(entry.Topic);
            var command = new NpgsqlBatchCommand(_sql.Insert);
            command.Parameters.Add(new NpgsqlParameter<string>("topic", entry.Topic));
            command.Parameters.Add(new NpgsqlParameter("key", NpgsqlDbType.Text) { Value = (object?)entry.Envelope.PartitionKey ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter<string>("envelope", Encoding.UTF8.GetString(CloudEventJson.ToUtf8Bytes(entry.Envelope))));
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
            batch.BatchCommands.Add(command);
        }

        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgreSqlSql.IsSchemaError(e))
        {
            throw PostgreSqlSql.SchemaError(e, connection, _options.Schema, _options.OutboxTable);
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<OutboxRecord>> ClaimAsync(string relayId, int maxCount, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(relayId);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        var now = _timeProvider.GetUtcNow();
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        List<OutboxRecord> records;
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var transactionDisposal = transaction.ConfigureAwait(false);
            var keys = await LockKeysAsync(connection, transaction, relayId, now, maxCount, cancellationToken).ConfigureAwait(false);
            records = await ClaimKeysAsync(connection, transaction, relayId, keys, now, maxCount, lease, cancellationToken).ConfigureAwait(false);

            // Commit releases the key locks only after the leases are visible to the next claim.
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgreSqlSql.IsSchemaError(e))
        {
            throw PostgreSqlSql.SchemaError(e, connection, _options.Schema, _options.OutboxTable);
        }

        // RETURNING yields rows in no guaranteed order; relays rely on insertion order.
        records.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return records;
    }

    /// <inheritdoc />
    public async ValueTask MarkDispatchedAsync(string relayId, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(relayId);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return;
        }

        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var command = new NpgsqlCommand(_sql.Mark, connection);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<long[]>("ids", [.. ids]));
        command.Parameters.Add(new NpgsqlParameter<string>("relay", relayId));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", _timeProvider.GetUtcNow()));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgreSqlSql.IsSchemaError(e))
        {
            throw PostgreSqlSql.SchemaError(e, connection, _options.Schema, _options.OutboxTable);
        }
    }

    /// <inheritdoc />
    public async ValueTask QuarantineAsync(string relayId, long id, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(relayId);
        ArgumentNullException.ThrowIfNull(reason);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var command = new NpgsqlCommand(_sql.Quarantine, connection);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<long>("id", id));
        command.Parameters.Add(new NpgsqlParameter<string>("relay", relayId));
        command.Parameters.Add(new NpgsqlParameter<string>("reason", reason));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", _timeProvider.GetUtcNow()));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgreSqlSql.IsSchemaError(e))
        {
            throw PostgreSqlSql.SchemaError(e, connection, _options.Schema, _options.OutboxTable);
        }
    }

    /// <inheritdoc />
    public ValueTask<int> DeleteDispatchedAsync(DateTimeOffset dispatchedBefore, int batchSize, CancellationToken cancellationToken) =>
        PostgreSqlSql.DeleteBatchAsync(_dataSource, _options, _sql.Delete, _options.OutboxTable, dispatchedBefore, batchSize, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<OutboxStatistics> GetStatisticsAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var command = new NpgsqlCommand(_sql.Statistics, connection);
        await using var commandDisposal = command.ConfigureAwait(false);
        try
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var (count, quarantined) = (reader.GetInt64(0), reader.GetInt64(2));
            if (count == 0 || reader.IsDBNull(1))
            {
                return new OutboxStatistics(0, TimeSpan.Zero, quarantined);
            }

            var age = _timeProvider.GetUtcNow() - reader.GetFieldValue<DateTimeOffset>(1);
            return new OutboxStatistics(count, age < TimeSpan.Zero ? TimeSpan.Zero : age, quarantined);
        }
        catch (Exception e) when (PostgreSqlSql.IsSchemaError(e))
        {
            throw PostgreSqlSql.SchemaError(e, connection, _options.Schema, _options.OutboxTable);
        }
    }

    // An unreadable row is handed back, not thrown: the relay quarantines it, and the rows claimed with it still go out.
    private static OutboxRecord ReadRecord(NpgsqlDataReader reader)
    {
        var (id, topic, createdAt, attempts) = (reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt32(5));
        try
        {
            return new OutboxRecord(id, topic, CloudEventJson.Read(Encoding.UTF8.GetBytes(reader.GetString(3))), createdAt, attempts);
        }
        catch (EventFormatException e)
        {
            return OutboxRecord.Unreadable(id, topic, reader.IsDBNull(2) ? null : reader.GetString(2), e, createdAt, attempts);
        }
    }

    private async ValueTask<string[]> LockKeysAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string relayId, DateTimeOffset now, int maxCount, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(_sql.LockKeys, connection, transaction);
        await using var commandDisposal = command.ConfigureAwait(false);
        AddClaimParameters(command, relayId, now, maxCount);
        command.Parameters.Add(new NpgsqlParameter<string>("table", _table));
        var keys = new List<string>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(reader.GetString(0));
        }

        return [.. keys];
    }

    private async ValueTask<List<OutboxRecord>> ClaimKeysAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string relayId, string[] keys, DateTimeOffset now, int maxCount, TimeSpan lease, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(_sql.Claim, connection, transaction);
        await using var commandDisposal = command.ConfigureAwait(false);
        AddClaimParameters(command, relayId, now, maxCount);
        command.Parameters.Add(new NpgsqlParameter<string[]>("keys", keys));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("expires", now + lease));
        var records = new List<OutboxRecord>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add(ReadRecord(reader));
        }

        return records;
    }

    private static void AddClaimParameters(NpgsqlCommand command, string relayId, DateTimeOffset now, int maxCount)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("relay", relayId));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
        command.Parameters.Add(new NpgsqlParameter<int>("max", maxCount));
    }
}
