namespace Herald.PostgreSql.Internal;

/// <summary>Holds the statements <see cref="PostgreSqlOutboxStore"/> runs against one outbox table.</summary>
internal sealed class PostgreSqlOutboxSql
{
    /// <summary>Builds the statements for <paramref name="table"/>, already qualified and quoted.</summary>
    public PostgreSqlOutboxSql(string table)
    {
        Insert = $"INSERT INTO {table} (topic, partition_key, envelope, created_at) VALUES (@topic, @key, @envelope, @now)";

        // "Another relay holds the key, or a quarantined row does": the per-key ordering rule of IOutboxStore.ClaimAsync.
        var keyFree = $"""
            NOT EXISTS (SELECT 1 FROM {table} h
                WHERE h.partition_key = o.partition_key AND h.dispatched_at IS NULL
                  AND ((h.lease_expires_at > @now AND h.lease_owner <> @relay) OR h.quarantined_at IS NOT NULL))
            """;
        var claimable = "o.dispatched_at IS NULL AND o.quarantined_at IS NULL AND (o.lease_expires_at IS NULL OR o.lease_expires_at <= @now)";

        // MATERIALIZED and DISTINCT keep the volatile lock call from running on rows the LIMIT drops.
        LockKeys = $"""
            WITH candidates AS MATERIALIZED (
                SELECT o.partition_key FROM {table} o
                WHERE {claimable} AND o.partition_key IS NOT NULL AND {keyFree}
                ORDER BY o.id LIMIT @max),
            keys AS MATERIALIZED (SELECT DISTINCT partition_key FROM candidates)
            SELECT partition_key FROM keys WHERE pg_try_advisory_xact_lock(hashtext(@table), hashtext(partition_key))
            """;
        Claim = $"""
            WITH picked AS (
                SELECT o.id FROM {table} o
                WHERE {claimable} AND (o.partition_key IS NULL OR (o.partition_key = ANY(@keys) AND {keyFree}))
                ORDER BY o.id LIMIT @max
                FOR UPDATE SKIP LOCKED)
            UPDATE {table} t SET lease_owner = @relay, lease_expires_at = @expires, attempts = t.attempts + 1
            FROM picked WHERE t.id = picked.id
            RETURNING t.id, t.topic, t.partition_key, t.envelope, t.created_at, t.attempts
            """;
        Mark = $"UPDATE {table} SET dispatched_at = @now WHERE id = ANY(@ids) AND lease_owner = @relay AND dispatched_at IS NULL";
        Quarantine = $"""
            UPDATE {table} SET quarantined_at = @now, quarantine_reason = @reason
            WHERE id = @id AND lease_owner = @relay AND dispatched_at IS NULL AND quarantined_at IS NULL
            """;

        // SKIP LOCKED: a batch never waits on rows another cleanup is deleting; inserts take no
        // locks on old rows, so cleanup and the application never wait on each other.
        Delete = $"""
            WITH doomed AS (
                SELECT id FROM {table} WHERE dispatched_at IS NOT NULL AND dispatched_at < @before
                ORDER BY dispatched_at LIMIT @batch FOR UPDATE SKIP LOCKED)
            DELETE FROM {table} t USING doomed WHERE t.id = doomed.id
            """;
        Statistics = $"""
            SELECT count(*) FILTER (WHERE quarantined_at IS NULL), min(created_at) FILTER (WHERE quarantined_at IS NULL), count(quarantined_at)
            FROM {table} WHERE dispatched_at IS NULL
            """;
    }

    /// <summary>Gets the insert of one row.</summary>
    public string Insert { get; }

    /// <summary>Gets the statement that locks the partition keys of the oldest claimable rows.</summary>
    public string LockKeys { get; }

    /// <summary>Gets the statement that leases the oldest claimable rows of the locked keys and the unkeyed ones.</summary>
    public string Claim { get; }

    /// <summary>Gets the statement that marks rows a relay holds as dispatched.</summary>
    public string Mark { get; }

    /// <summary>Gets the statement that quarantines a row a relay holds.</summary>
    public string Quarantine { get; }

    /// <summary>Gets the statement that deletes one batch of rows dispatched long enough ago.</summary>
    public string Delete { get; }

    /// <summary>Gets the statement that counts the backlog and the quarantined rows.</summary>
    public string Statistics { get; }
}
