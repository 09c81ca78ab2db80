using System.Globalization;
using Herald.Sqlite;
using Microsoft.Data.Sqlite;

namespace Shop.Storage;

/// <summary>The shop's SQLite database: the services' tables (<c>orders</c>; <c>charges</c> and <c>declines</c>;
/// <c>reservations</c>; <c>emails</c>) and Herald's outbox and inbox, so that business rows, outgoing events and inbox
/// records commit in one transaction.</summary>
/// <remarks>
/// With the embedded log the database is <c>shop.db</c> in the data directory: it outlives the run with the log, and
/// <c>--fresh</c> deletes both. With the in-memory transport it is a temp file deleted when the shop stops. A service run
/// as a process of its own has a database of its own, in its directory of the data directory, and uses only its tables.
/// Thread-safe.
/// </remarks>
internal sealed class ShopDatabase : IDisposable
{
    /// <summary>The database file's name in the data directory.</summary>
    public const string FileName = "shop.db";

    // Orders are keyed by order id. An order id carries the id of the run that placed it, and so does the run_id column,
    // which is what lets a run count its own charges in a database earlier runs wrote to. Charges have no unique key on
    // purpose: the payment handler's inbox alone keeps an order from being charged twice, and if it failed, the second
    // row would show in the counts instead of a key violation quietly retried away; so do declines and reservations,
    // kept by their inboxes. An e-mail is keyed by the event it answers: that key is the notification's de-duplication.
    private const string CreateTables = """
        CREATE TABLE IF NOT EXISTS orders (
            order_id TEXT PRIMARY KEY,
            run_id TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            total TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS orders_run ON orders (run_id);
        CREATE TABLE IF NOT EXISTS charges (
            order_id TEXT NOT NULL,
            amount TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS charges_order ON charges (order_id);
        CREATE TABLE IF NOT EXISTS declines (
            order_id TEXT NOT NULL,
            reason TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS declines_order ON declines (order_id);
        CREATE TABLE IF NOT EXISTS reservations (
            order_id TEXT NOT NULL,
            shortage TEXT);
        CREATE INDEX IF NOT EXISTS reservations_order ON reservations (order_id);
        CREATE TABLE IF NOT EXISTS emails (
            message_id TEXT PRIMARY KEY,
            order_id TEXT NOT NULL,
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS emails_order ON emails (order_id);
        """;

    // SQLite's companions of the database file: the write-ahead log, its shared-memory index, a rollback journal.
    private static readonly string[] CompanionSuffixes = ["-wal", "-shm", "-journal"];

    private readonly bool _deleteOnDispose;
    private readonly Lazy<Task> _created;

    private ShopDatabase(string path, bool deleteOnDispose)
    {
        Path = path;
        _deleteOnDispose = deleteOnDispose;
        StoreOptions = new SqliteStoreOptions { ConnectionString = new SqliteConnectionStringBuilder { DataSource = path }.ToString() };
        _created = new Lazy<Task>(CreateAsync);
    }

    /// <summary>Gets the database file's full path.</summary>
    public string Path { get; }

    /// <summary>Gets the options Herald's outbox and inbox use: the same database file.</summary>
    public SqliteStoreOptions StoreOptions { get; }

    /// <summary>Returns the database in the embedded log's <paramref name="dataDirectory"/>, which the log already holds locked.</summary>
    public static ShopDatabase InDataDirectory(string dataDirectory) => new(System.IO.Path.Combine(dataDirectory, FileName), deleteOnDispose: false);

    /// <summary>Returns whether <paramref name="name"/> is the database file or one SQLite keeps beside it.</summary>
    public static bool IsOwnFile(string name) =>
        name == FileName || CompanionSuffixes.Any(suffix => name == FileName + suffix);

    /// <summary>Returns a database in a new temp file, deleted on <see cref="Dispose"/>.</summary>
    public static ShopDatabase InTempFile() =>
        new(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"herald-shop-{Guid.NewGuid():N}.db"), deleteOnDispose: true);

    /// <summary>Creates the shop's tables and Herald's, once per process; later calls return the same task.</summary>
    /// <remarks>Called by everything that touches the database: the order service may publish with a host never started,
    /// and Herald creates its own tables only when the host starts.</remarks>
    public Task EnsureCreatedAsync() => _created.Value;

    /// <summary>Opens a connection with Herald's pragmas (full synchronous commits, the busy timeout).</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        return await SqliteConnectionFactory.OpenAsync(StoreOptions, cancellationToken);
    }

    /// <summary>Returns how many charges orders of run <paramref name="runId"/> have, whoever wrote them: one per paid order,
    /// unless an order was charged twice.</summary>
    public async Task<long> CountChargesAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM charges c JOIN orders o ON o.order_id = c.order_id WHERE o.run_id = $run;";
        command.Parameters.AddWithValue("$run", runId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Returns, per topic, how many events the outbox holds that the relay has not sent yet, apart from those
    /// <paramref name="damaged"/> partitions hold back.</summary>
    /// <remarks>Reads Herald's outbox table directly: its statistics give only the total, and the shop needs to know what
    /// kind of work an earlier run left behind, and where it is bound.</remarks>
    public async Task<OutboxBacklog> CountUndispatchedAsync(DamagedPartitions damaged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(damaged);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();

        // Grouped by key only when a partition is damaged: which partition a row is bound for matters only then.
        command.CommandText = damaged.Any
            ? $"SELECT topic, partition_key, COUNT(*) FROM {StoreOptions.OutboxTable} WHERE dispatched_at IS NULL GROUP BY topic, partition_key;"
            : $"SELECT topic, NULL, COUNT(*) FROM {StoreOptions.OutboxTable} WHERE dispatched_at IS NULL GROUP BY topic;";
        var unsent = new Dictionary<string, long>(StringComparer.Ordinal);
        long held = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var topic = reader.GetString(0);
            var count = reader.GetInt64(2);
            if (damaged.Holds(topic, reader.IsDBNull(1) ? null : reader.GetString(1)))
            {
                held += count;
            }
            else
            {
                unsent[topic] = unsent.GetValueOrDefault(topic) + count;
            }
        }

        return new OutboxBacklog(unsent, held);
    }

    public void Dispose()
    {
        // Pooled connections keep the file open after they are disposed; the shop must let go of its data directory.
        using (var connection = new SqliteConnection(StoreOptions.ConnectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        if (_deleteOnDispose)
        {
            foreach (var suffix in (string[])["", "-wal", "-shm"])
            {
                File.Delete(Path + suffix);
            }
        }
    }

    private async Task CreateAsync()
    {
        await new SqliteSchemaInitializer(StoreOptions).InitializeAsync(CancellationToken.None);
        await using var connection = await SqliteConnectionFactory.OpenAsync(StoreOptions, CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = CreateTables;
        await command.ExecuteNonQueryAsync();
    }
}
