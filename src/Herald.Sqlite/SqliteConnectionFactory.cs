using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Herald.Sqlite;

/// <summary>Opens SQLite connections configured as Herald's stores need them.</summary>
/// <remarks>
/// Every connection gets <c>synchronous=FULL</c> (a commit is on disk when it returns, so a
/// dispatched or recorded row survives power loss) and the options' busy timeout. WAL journal
/// mode is a property of the database file, set by <see cref="SqliteSchemaInitializer"/>.
/// Open the application's connections here too, so its transactions get the same durability.
/// </remarks>
public static class SqliteConnectionFactory
{
    /// <summary>Opens a connection to the options' database with Herald's pragmas applied.</summary>
    /// <param name="options">The store options.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>An open connection; the caller disposes it.</returns>
    public static async ValueTask<SqliteConnection> OpenAsync(SqliteStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connection = new SqliteConnection(options.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = connection.CreateCommand();
            await using var commandDisposal = command.ConfigureAwait(false);
            var milliseconds = (long)options.BusyTimeout.TotalMilliseconds;
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA synchronous=FULL; PRAGMA busy_timeout={milliseconds};");
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
