using Herald.PostgreSql;
using Npgsql;

namespace Herald.Kafka.Tests;

/// <summary>A fresh PostgreSQL database for Herald.Kafka.MemberChild processes (<c>HERALD_POSTGRES</c>, as
/// <c>eng/services.sh postgres</c> starts it): the <c>attempts</c> and <c>charges</c> tables and the inbox's schema,
/// dropped at the end.</summary>
/// <remarks>An unreachable server skips the test with a message saying so, and fails it when <c>CI=true</c>.
/// <c>charges</c> has no unique key: only the inbox stands between a redelivery and a second charge, so a broken inbox
/// shows as more rows than events.</remarks>
internal sealed class ChargeDatabase : IAsyncDisposable
{
    private const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Database=postgres";
    private readonly NpgsqlDataSource _admin;
    private readonly string _name;

    private ChargeDatabase(NpgsqlDataSource admin, string name, string connectionString)
    {
        _admin = admin;
        _name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <summary>Gets the connection string of the database, for the member processes: a pool of at most 8 connections
    /// each (a member handles up to 4 keys at once), as the server is shared with the rest of the test run, and 30 s to
    /// connect (a loaded machine starting several processes at once is slow to).</summary>
    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public static async Task<ChargeDatabase> CreateAsync(CancellationToken cancellationToken)
    {
        var server = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("HERALD_POSTGRES") is { Length: > 0 } s ? s : DefaultConnectionString) { Timeout = 5 };
        var admin = NpgsqlDataSource.Create(server.ConnectionString);
        var name = $"herald_members_{Guid.NewGuid():N}";
        try
        {
            await using var create = admin.CreateCommand($"CREATE DATABASE {name}");
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException e)
        {
            await admin.DisposeAsync();
            var unavailable = $"PostgreSQL is not reachable at {server.Host}:{server.Port} ({e.Message}); run `eng/services.sh postgres` or set HERALD_POSTGRES.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(unavailable);
            }

            Assert.Skip(unavailable);
        }

        var database = new ChargeDatabase(admin, name, new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name, MaxPoolSize = 8, Timeout = 30 }.ConnectionString);
        await database.ExecuteAsync(
            """
            CREATE TABLE attempts (member text NOT NULL, event_id text NOT NULL, key text NOT NULL, sequence bigint NOT NULL);
            CREATE TABLE charges (id bigint GENERATED ALWAYS AS IDENTITY, event_id text NOT NULL, key text NOT NULL, sequence bigint NOT NULL, member text NOT NULL);
            """,
            cancellationToken);
        // Created here, once: the members' own initializers then find it in place rather than race to create it.
        await new PostgreSqlSchemaInitializer(new PostgreSqlStoreOptions { DataSource = database.DataSource }).InitializeAsync(cancellationToken);
        return database;
    }

    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Reads every row of <paramref name="sql"/> with <paramref name="read"/>.</summary>
    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await using (var drop = _admin.CreateCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await _admin.DisposeAsync();
    }
}
