using Microsoft.Data.Sqlite;

namespace Herald.Sqlite.Tests;

/// <summary>A database file of one test in a temp directory, deleted on dispose.</summary>
internal sealed class SqliteTestDatabase : IDisposable
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "herald-sqlite-" + Guid.NewGuid().ToString("N"));

    public SqliteTestDatabase(string tablePrefix = "herald_")
    {
        Directory.CreateDirectory(_directory);
        Path = System.IO.Path.Combine(_directory, "test.db");
        StoreOptions = Options(Path, tablePrefix);
    }

    public string Path { get; }

    public SqliteStoreOptions StoreOptions { get; }

    public static SqliteStoreOptions Options(string path, string tablePrefix = "herald_") => new()
    {
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = path }.ToString(),
        TablePrefix = tablePrefix,
    };

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
