using Npgsql;

namespace Herald.EntityFrameworkCore.Tests;

/// <summary>
/// The PostgreSQL server of the test run: creates a fresh database for the run and drops it at the end. Each test works
/// in a schema of its own (<see cref="NewSchema"/>), so tests run in parallel.
/// </summary>
/// <remarks>
/// The server is <c>HERALD_POSTGRES</c>, default 127.0.0.1:5432. When it is unreachable every test that needs it skips
/// with that message, and fails instead when <c>CI=true</c>.
/// </remarks>
public sealed class PostgreSqlServer : IAsyncLifetime
{
    private const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Database=postgres";
    private readonly NpgsqlConnectionStringBuilder _admin = new(Environment.GetEnvironmentVariable("HERALD_POSTGRES") is { Length: > 0 } s ? s : DefaultConnectionString)
    {
        Timeout = 5,
    };

    private readonly string _database = "herald_ef_test_" + Guid.NewGuid().ToString("N")[..12];
    private NpgsqlDataSource? _dataSource;
    private string? _unavailable;

    public async ValueTask InitializeAsync()
    {
        try
        {
            await using var admin = NpgsqlDataSource.Create(_admin);
            await using var command = admin.CreateCommand($"CREATE DATABASE \"{_database}\"");
            await command.ExecuteNonQueryAsync();
        }
#pragma warning disable CA1031 // Any failure to reach the server is reported by each test, as a skip or (CI) a failure.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _unavailable =
                $"PostgreSQL is not reachable at {_admin.Host}:{_admin.Port} as '{_admin.Username}' ({e.GetType().Name}: {e.Message}). " +
                "Start it (eng/services.sh postgres), or set HERALD_POSTGRES to a server's connection string.";
            return;
        }

        _dataSource = NpgsqlDataSource.Create(ConnectionString(searchPath: null));
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
        await using var command = admin.CreateCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Returns a new schema's name, the shared data source (for Herald's stores) and a connection string whose search path is that schema (for the DbContext).</summary>
    public (string Schema, NpgsqlDataSource DataSource, string ConnectionString) NewSchema()
    {
        if (_unavailable is not null)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(_unavailable);
            }

            Assert.Skip(_unavailable);
        }

        var schema = "t_" + Guid.NewGuid().ToString("N");
        var dataSource = _dataSource ?? throw new InvalidOperationException("The PostgreSQL fixture has not been initialized.");
        return (schema, dataSource, ConnectionString(schema));
    }

    private string ConnectionString(string? searchPath) =>
        new NpgsqlConnectionStringBuilder(_admin.ConnectionString) { Database = _database, SearchPath = searchPath, MaxPoolSize = 10 }.ConnectionString;
}
