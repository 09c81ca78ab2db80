namespace Herald.Log;

/// <summary>
/// A partition of the log failed to write or fsync. The failure is final for the open log: the kernel may have dropped
/// the pages that did not reach the disk, so retrying could acknowledge events that are not there. Reopen the log, which
/// recovers from what the disk holds.
/// </summary>
public sealed class LogFailedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public LogFailedException()
        : base("The log failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public LogFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the I/O error that caused it.</summary>
    public LogFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
