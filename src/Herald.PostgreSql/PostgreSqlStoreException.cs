namespace Herald.PostgreSql;

/// <summary>Reports a PostgreSQL store problem the application must fix: a missing or mismatched table.</summary>
public sealed class PostgreSqlStoreException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public PostgreSqlStoreException()
    {
    }

    /// <summary>Creates the exception with a message saying what is wrong and what to do.</summary>
    public PostgreSqlStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the PostgreSQL error behind it.</summary>
    public PostgreSqlStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
