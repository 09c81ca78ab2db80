namespace Herald.Sqlite;

/// <summary>Reports a SQLite store problem the application must fix: a missing or mismatched table, or a database that cannot use WAL.</summary>
public sealed class SqliteStoreException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public SqliteStoreException()
    {
    }

    /// <summary>Creates the exception with a message saying what is wrong and what to do.</summary>
    public SqliteStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the SQLite error behind it.</summary>
    public SqliteStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
