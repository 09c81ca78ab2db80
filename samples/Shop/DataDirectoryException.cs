using Herald.Log;

namespace Shop;

/// <summary>The data directory, or the database in it, cannot be used (it cannot be created, is a file, is not writable,
/// or the database does not open): exit code 5, one line that names the path and what to do.</summary>
internal sealed class DataDirectoryException : Exception
{
    public DataDirectoryException()
    {
    }

    public DataDirectoryException(string message)
        : base(message)
    {
    }

    public DataDirectoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Returns whether <paramref name="exception"/> is what the file system throws for a path the shop cannot
    /// use, rather than a bug (which keeps its stack trace), a lock another process holds, or damage the log found.</summary>
    public static bool IsPathProblem(Exception exception) =>
        exception is UnauthorizedAccessException or (IOException and not LogDirectoryLockedException and not LogCorruptedException);

    /// <summary>Returns the exception for a data directory the file system refused with <paramref name="cause"/>.</summary>
    public static DataDirectoryException ForDirectory(string directory, Exception cause)
    {
        ArgumentNullException.ThrowIfNull(cause);
        var fullPath = Path.GetFullPath(directory);

        // .NET reports a file in the way as "already exists", which reads as if the directory were fine.
        var (problem, advice) = File.Exists(fullPath)
            ? ("it is a file, not a directory", "move the file away or choose another --data")
            : cause is UnauthorizedAccessException
                ? (Describe(cause), "give this user read and write access to it, or choose another --data")
                : (Describe(cause), "choose another --data: a directory this user can create and write to");
        return new($"cannot use the data directory '{fullPath}': {problem}; {advice}.", cause);
    }

    /// <summary>Returns the exception for the shop's database, which SQLite (or the file system) refused with <paramref name="cause"/>.</summary>
    public static DataDirectoryException ForDatabase(string path, Exception cause)
    {
        ArgumentNullException.ThrowIfNull(cause);
        return new($"cannot use the database '{path}': {Describe(cause)}; move it out of the way (the next run creates a new one) or choose another --data.", cause);
    }

    // Messages from the file system and SQLite are one sentence, but a stray line break would split the one line.
    private static string Describe(Exception cause) => cause.Message.ReplaceLineEndings(" ").TrimEnd('.', ' ');
}
