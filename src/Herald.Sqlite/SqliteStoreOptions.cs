using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Herald.Sqlite;

/// <summary>Configures the SQLite outbox and inbox stores.</summary>
public sealed partial class SqliteStoreOptions
{
    /// <summary>Gets the connection string of the database file, such as <c>Data Source=app.db</c>. Required.</summary>
    /// <remarks>Use the application's own database, so outbox and inbox rows commit with the business rows.</remarks>
    public required string ConnectionString { get; init; }

    /// <summary>Gets the prefix of Herald's table names. Default <c>herald_</c>.</summary>
    /// <remarks>Letters, digits and underscores, starting with a letter or underscore, at most 40 characters.</remarks>
    public string TablePrefix { get; init; } = "herald_";

    /// <summary>Gets how long a statement waits for another connection's write lock before failing. Default 30 seconds; 0 to 1 hour.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the name of the outbox table: <see cref="TablePrefix"/> followed by <c>outbox</c>.</summary>
    public string OutboxTable => TablePrefix + "outbox";

    /// <summary>Gets the name of the inbox table: <see cref="TablePrefix"/> followed by <c>inbox</c>.</summary>
    public string InboxTable => TablePrefix + "inbox";

    /// <summary>Gets the name of the per-key sequence counters' table: <see cref="TablePrefix"/> followed by <c>sequences</c>.</summary>
    public string SequenceTable => TablePrefix + "sequences";

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("SqliteStoreOptions.ConnectionString is empty: set it to the application's database, such as 'Data Source=app.db'.", nameof(ConnectionString));
        }

        _ = new SqliteConnectionStringBuilder(ConnectionString);
        if (!Prefix().IsMatch(TablePrefix))
        {
            throw new ArgumentException(
                $"SqliteStoreOptions.TablePrefix '{TablePrefix}' is invalid: use up to 40 letters, digits and underscores, starting with a letter or underscore, such as 'herald_'.",
                nameof(TablePrefix));
        }

        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"SqliteStoreOptions.BusyTimeout {BusyTimeout} is out of range: use 0 to 1 hour.", nameof(BusyTimeout));
        }
    }

    // Table names are spliced into SQL text (SQLite cannot bind identifiers), so this pattern is
    // what keeps them from being an injection point.
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]{0,39}\z")]
    private static partial Regex Prefix();
}
