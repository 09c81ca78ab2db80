using System.Data.Common;
using System.Text;
using Herald.Events;
using Herald.Outbox;
using Herald.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace Herald.Sqlite;

/// <summary>Stores outbox rows in a SQLite table, envelopes as CloudEvents structured JSON.</summary>
/// <remarks>
/// Relays may run on several connections or processes sharing the database file: each claim is
/// one UPDATE statement, and SQLite runs one writer at a time, so two relays never lease the same
/// row. Create the tables first with <see cref="SqliteSchemaInitializer"/>. Thread-safe.
/// </remarks>
public sealed class SqliteOutboxStore : IOutboxStore
{
    // SQLite's default limit on bound parameters is 32,766; chunks stay far below it.
    private const int IdsPerStatement = 500;
    private readonly SqliteStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly string _table;
    private readonly string _insert;
    private readonly string _claim;
    private readonly string _quarantine;
    private readonly string _delete;
    private readonly string _statistics;

    /// <summary>Creates the store over the options' database.</summary>
    /// <param name="options">The database and table names.</param>
    /// <param name="timeProvider">The clock for creation times, leases and dispatch times.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public SqliteOutboxStore(SqliteStoreOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider;
        _table = options.OutboxTable;
        _insert = $"INSERT INTO {_table} (topic, partition_key, envelope, created_at) VALUES ($topic, $key, $envelope, $now);";

        // A row is eligible when unleased or its lease expired, not quarantined, and no other undispatched
        // row of its key is leased by another relay (that relay may still be sending it, and handing out
        // a later or re-claimed earlier row of the key could put the key's events out of order) or
        // quarantined (the key's order resumes only once an operator releases or discards that row).
        _claim = $"""
            UPDATE {_table} SET lease_owner = $relay, lease_expires_at = $expires, attempts = attempts + 1
            WHERE id IN (
                SELECT o.id FROM {_table} o
                WHERE o.dispatched_at IS NULL AND o.quarantined_at IS NULL
                  AND (o.lease_expires_at IS NULL OR o.lease_expires_at <= $now)
                  AND (o.partition_key IS NULL OR NOT EXISTS (
                      SELECT 1 FROM {_table} h
                      WHERE h.partition_key = o.partition_key AND h.dispatched_at IS NULL
                        AND ((h.lease_owner <> $relay AND h.lease_expires_at > $now) OR h.quarantined_at IS NOT NULL)))
                ORDER BY o.id LIMIT $max)
            RETURNING id, topic, partition_key, envelope, created_at, attempts;
            """;
        _quarantine = $"""
            UPDATE {_table} SET quarantined_at = $now, quarantine_reason = $reason
            WHERE id = $id AND lease_owner = $relay AND dispatched_at IS NULL AND quarantined_at IS NULL;
            """;
        _delete = $"""
            DELETE FROM {_table} WHERE id IN (
                SELECT id FROM {_table} WHERE dispatched_at IS NOT NULL AND dispatched_at < $before ORDER BY dispatched_at LIMIT $batch);
            """;
        _statistics = $"""
            SELECT COUNT(*) - COUNT(quarantined_at), MIN(CASE WHEN quarantined_at IS NULL THEN created_at END), COUNT(quarantined_at)
            FROM {_table} WHERE dispatched_at IS NULL;
            """;
    }

    /// <inheritdoc/>
    /// <remarks>An upsert in the caller's transaction; SQLite's single writer serializes concurrent publishers of a key.</remarks>
    public async ValueTask<long> NextSequenceAsync(DbTransaction transaction, string topic, string partitionKey, CancellationToken cancellationToken)
    {
        SqliteSql.ValidateTransaction(transaction);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(partitionKey);
        var command = transaction.Connection!.CreateCommand();
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT INTO {_options.SequenceTable} (topic, partition_key, last) VALUES ($topic, $key, 1)
            ON CONFLICT (topic, partition_key) DO UPDATE SET last = last + 1
            RETURNING last;
            """;
        SqliteSql.Add(command, "$topic", topic);
        SqliteSql.Add(command, "$key", partitionKey);
        try
        {
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (Exception e) when (SqliteSql.IsSchemaError(e))
        {
            throw SqliteSql.SchemaError(e, transaction.Connection, _options.SequenceTable);
        }
    }

    /// <inheritdoc />
    public async ValueTask AddAsync(DbTransaction transaction, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        SqliteSql.ValidateTransaction(transaction);
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        var connection = transaction.Connection!;
        var command = connection.CreateCommand();
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Transaction = transaction;
        command.CommandText = _insert;
        var topic = SqliteSql.Add(command, "$topic", null);
        var key = SqliteSql.Add(command, "$key", null);
        var envelope = SqliteSql.Add(command, "$envelope", null);
        SqliteSql.Add(command, "$now", _timeProvider.GetUtcNow().UtcTicks);
        try
        {
            foreach (var entry in entries)
            {
                ArgumentNullException.ThrowIfNull(entry);
                ArgumentException.ThrowIfNullOrEmpty(entry.Topic);
                topic.Value = entry.Topic;
                key.Value = (object?)entry.Envelope.PartitionKey ?? DBNull.Value;
                envelope.Value = Encoding.UTF8.GetString(CloudEventJson.ToUtf8Bytes(entry.Envelope));
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (SqliteSql.IsSchemaError(e))
        {
            throw SqliteSql.SchemaError(e, connection, _table);
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<OutboxRecord>> ClaimAsync(string relayId, int maxCount, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(relayId);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        var now = _timeProvider.GetUtcNow().UtcTicks;
        var connection = await SqliteConnectionFactory.OpenAsync(_options, cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var command = connection.CreateCommand();
        await using var commandDisposal = command.ConfigureAwait(false);
        command.CommandText = _claim;
        command.Parameters.AddWithValue("$relay", relayId);
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$expires", now + lease.Ticks);
        command.Parameters.AddWithValue("$max", maxCount);
        var records = new List<OutboxRecord>();
        try
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var (id, topic, createdAt, attempts) = (reader.GetInt64(0), reader.GetString(1), SqliteSql.FromTicks(reader.GetInt64(4)), reader.GetInt32(5));
                try
                {
                    var envelope = CloudEventJson.Read(Encoding.UTF8.GetBytes(reader.GetString(3)));
                    records.Add(new OutboxRecord(id, topic, envelope, createdAt, attempts));
                }
                catch (EventFormatException e)
                {
                    // Handed back, not thrown: the relay quarantines it, and the rows claimed with it still go out.
                    records.Add(OutboxRecord.Unreadable(id, topic, reader.IsDBNull(2) ? null : reader.GetString(2), e, createdAt, attempts));
                }
            }
        }
        catch (Exception e) when (SqliteSql.IsSchemaError(e))
        {
            throw SqliteSql.SchemaError(e, connection, _table);
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

        var connection = await SqliteConnectionFactory.OpenAsync(_options, cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionDisposal = transaction.ConfigureAwait(false);
        try
        {
            for (var start = 0; start < ids.Count; start += IdsPerStatement)
            {
                var count = Math.Min(IdsPerStatement, ids.Count - start);
                var command = connection.CreateCommand();
                await using var commandDisposal = command.ConfigureAwait(false);
                command.Transaction = transaction;
                var names = new StringBuilder();
                for (var i = 0; i < count; i++)
                {
                    names.Append(i == 0 ? "$id" : ", $id").Append(i);
                    command.Parameters.AddWithValue("$id" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), ids[start + i]);
                }

                command.CommandText = $"UPDATE {_table} SET dispatched_at = $now WHERE lease_owner = $relay AND dispatched_at IS NULL AND id IN ({names});";
                command.Parameters.AddWithValue("$now", _timeProvider.GetUtcNow().UtcTicks);
                command.Parameters.AddWithValue("$relay", relayId);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (SqliteSql.IsSchemaError(e))
        {
            throw SqliteSql.SchemaError(e, connection, _table);
        }
    }

    /// <inheritdoc />
    public async ValueTask QuarantineAsync(string relayId, long id, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(relayId);
        ArgumentNullException.ThrowIfNull(reason);
        var connection = await SqliteConnectionFactory.OpenAsync(_options, cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var command = connection.CreateCommand();
        await using var commandDisposal = command.ConfigureAwait(false);
        command.CommandText = _quarantine;
        command.Parameters.AddWithValue("$now", _timeProvider.GetUtcNow().UtcTicks);
        command.Parameters.AddWithValue("$reason", reason);
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$relay", relayId);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (SqliteSql.IsSchemaError(e))
        {
            throw SqliteSql.SchemaError(e, connection, _table);
        }
    }

    /// <inheritdoc />
    public ValueTask<int> DeleteDispatchedAsync(DateTimeOffset dispatchedBefore, int batchSize, CancellationToken cancellationToken) =>
        SqliteSql.DeleteBatchAsync(_options, _delete, _table, dispatchedBefore, batchSize, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<OutboxStatistics> GetStatisticsAsync(CancellationToken cancellationToken)
    {
        var connection = await SqliteConnectionFactory.OpenAsync(_options, cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var command = connection.CreateCommand();
        await using var commandDisposal = command.ConfigureAwait(false);
        command.CommandText = _statistics;
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

            var age = _timeProvider.GetUtcNow() - SqliteSql.FromTicks(reader.GetInt64(1));
            return new OutboxStatistics(count, age < TimeSpan.Zero ? TimeSpan.Zero : age, quarantined);
        }
        catch (Exception e) when (SqliteSql.IsSchemaError(e))
        {
            throw SqliteSql.SchemaError(e, connection, _table);
        }
    }
}
