using Herald.PostgreSql.Tests;
using Npgsql;

[assembly: AssemblyFixture(typeof(PostgreSqlServer))]

namespace Herald.PostgreSql.Tests;

/// <summary>
/// The one PostgreSQL server of the test run: creates a fresh database for the run and drops it at the end. Tests isolate
/// themselves in a schema of their own (<see cref="NewOptions"/>), so they run in parallel.
/// </summary>
/// <remarks>
/// The server is <c>HERALD_POSTGRES</c>, default 127.0.0.1:5432 as <c>eng/services.sh postgres</c> starts it. When it is
/// unreachable every test that needs it skips with that message, and fails instead when <c>CI=true</c>.
/// </remarks>
public sealed class PostgreSqlServer : IAsyncLifetime
{
    private const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Database=postgres";
    private readonly NpgsqlConnectionStringBuilder _admin = new(Environment.GetEnvironmentVariable("HERALD_POSTGRES") is { Length: > 0 } s ? s : DefaultConnectionString)
    {
        Timeout = 5,
    };

    private NpgsqlDataSource? _dataSource;
    private string? _unavailable;

    /// <summary>Gets the name of this run's database.</summary>
    public string Database { get; } = "herald_test_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Gets the connection string of this run's database.</summary>
    public string ConnectionString
    {
        get
        {
            Require();
            return TestDatabase(maxPoolSize: 20);
        }
    }

    /// <summary>Gets the shared data source on this run's database; skips or fails the test when the server is unreachable.</summary>
    public NpgsqlDataSource DataSource => Require();

    public async ValueTask InitializeAsync()
    {
        try
        {
            await using var admin = NpgsqlDataSource.Create(_admin);
            await using var command = admin.CreateCommand($"CREATE DATABASE \"{Database}\"");
            await command.ExecuteNonQueryAsync();
        }
#pragma warning disable CA1031 // Any failure to reach the server is reported by each test, as a skip or (CI) a failure.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _unavailable =
                $"PostgreSQL is not reachable at {_admin.Host}:{_admin.Port} as '{_admin.Username}' ({e.GetType().Name}: {e.Message}). " +
                "Run `eng/services.sh postgres` (as root) to install and start it, or set HERALD_POSTGRES to a server's connection string.";
            return;
        }

        _dataSource = NpgsqlDataSource.Create(TestDatabase(maxPoolSize: 20));
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is null)
        {
            return;
        }

        await _dataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = NpgsqlDataSource.Create(_admin);
        await using var command = admin.CreateCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Creates store options on the shared data source in a new schema of their own.</summary>
    public PostgreSqlStoreOptions NewOptions(string tablePrefix = "herald_") => new()
    {
        DataSource = DataSource,
        Schema = NewSchemaName(),
        TablePrefix = tablePrefix,
    };

    /// <summary>Returns a schema name no other test uses.</summary>
    public static string NewSchemaName() => "t_" + Guid.NewGuid().ToString("N");

    /// <summary>Creates a data source with a pool of its own on this run's database; the caller disposes it.</summary>
    public NpgsqlDataSource CreateDataSource(int maxPoolSize)
    {
        Require();
        return NpgsqlDataSource.Create(TestDatabase(maxPoolSize));
    }

    private string TestDatabase(int maxPoolSize) =>
        new NpgsqlConnectionStringBuilder(_admin.ConnectionString) { Database = Database, MaxPoolSize = maxPoolSize }.ConnectionString;

    private NpgsqlDataSource Require()
    {
        if (_unavailable is not null)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(_unavailable);
            }

            Assert.Skip(_unavailable);
        }

        return _dataSource ?? throw new InvalidOperationException("The PostgreSQL fixture has not been initialized.");
    }
}
