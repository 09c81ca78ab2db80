using System.Text.RegularExpressions;
using Npgsql;

namespace Herald.PostgreSql;

/// <summary>Configures the PostgreSQL outbox and inbox stores: the database, and the schema and names of Herald's tables.</summary>
/// <remarks>
/// Set exactly one of <see cref="DataSource"/> (preferred: the application's own, so its pool and
/// settings are shared) and <see cref="ConnectionString"/>. Use the application's own database, so
/// outbox and inbox rows commit with the business rows.
/// </remarks>
public sealed partial class PostgreSqlStoreOptions
{
    private readonly Lazy<NpgsqlDataSource> _dataSource;

    /// <summary>Creates options; set the database with <see cref="DataSource"/> or <see cref="ConnectionString"/>.</summary>
    public PostgreSqlStoreOptions() =>
        _dataSource = new Lazy<NpgsqlDataSource>(() => DataSource ?? NpgsqlDataSource.Create(ConnectionString!), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Gets the data source of the application's database. Default none; set this or <see cref="ConnectionString"/>.</summary>
    /// <remarks>The stores open their own connections from it (claims, marks, cleanup) and never dispose it.</remarks>
    public NpgsqlDataSource? DataSource { get; init; }

    /// <summary>Gets the connection string of the application's database. Default none; set this or <see cref="DataSource"/>.</summary>
    /// <remarks>The stores of one options instance share one data source built from it on first use, kept for the life of the process.</remarks>
    public string? ConnectionString { get; init; }

    /// <summary>Gets the schema holding Herald's tables. Default <c>public</c>.</summary>
    /// <remarks>Letters, digits and underscores, starting with a letter or underscore, at most 63 characters; quoted, so case-sensitive. Created when missing.</remarks>
    public string Schema { get; init; } = "public";

    /// <summary>Gets the prefix of Herald's table names. Default <c>herald_</c>.</summary>
    /// <remarks>Letters, digits and underscores, starting with a letter or underscore, at most 40 characters; quoted, so case-sensitive.</remarks>
    public string TablePrefix { get; init; } = "herald_";

    /// <summary>Gets the name of the outbox table, unquoted: <see cref="TablePrefix"/> followed by <c>outbox</c>.</summary>
    public string OutboxTable => TablePrefix + "outbox";

    /// <summary>Gets the name of the inbox table, unquoted: <see cref="TablePrefix"/> followed by <c>inbox</c>.</summary>
    public string InboxTable => TablePrefix + "inbox";

    /// <summary>Gets the name of the per-key sequence counters' table, unquoted: <see cref="TablePrefix"/> followed by <c>sequences</c>.</summary>
    public string SequenceTable => TablePrefix + "sequences";

    /// <summary>Throws when an option is missing or invalid.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public void Validate()
    {
        if (DataSource is null == string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException(
                "PostgreSqlStoreOptions needs exactly one of DataSource and ConnectionString: set DataSource to the application's NpgsqlDataSource, or ConnectionString to its database.",
                nameof(DataSource));
        }

        if (ConnectionString is not null)
        {
            _ = new NpgsqlConnectionStringBuilder(ConnectionString);
        }

        if (!Identifier().IsMatch(Schema) || Schema.Length > 63)
        {
            throw new ArgumentException(
                $"PostgreSqlStoreOptions.Schema '{Schema}' is invalid: use up to 63 letters, digits and underscores, starting with a letter or underscore, such as 'public'.",
                nameof(Schema));
        }

        if (!Identifier().IsMatch(TablePrefix) || TablePrefix.Length > 40)
        {
            throw new ArgumentException(
                $"PostgreSqlStoreOptions.TablePrefix '{TablePrefix}' is invalid: use up to 40 letters, digits and underscores, starting with a letter or underscore, such as 'herald_'.",
                nameof(TablePrefix));
        }
    }

    /// <summary>Returns <see cref="DataSource"/>, or the data source built once from <see cref="ConnectionString"/>.</summary>
    internal NpgsqlDataSource GetDataSource() => _dataSource.Value;

    // Identifiers are spliced into SQL text (PostgreSQL cannot bind them) and also quoted: this
    // pattern is what keeps them from being an injection point.
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\z")]
    private static partial Regex Identifier();
}
