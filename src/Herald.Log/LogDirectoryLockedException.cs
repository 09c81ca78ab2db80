using System.Globalization;

namespace Herald.Log;

/// <summary>Thrown when a Herald log data directory is already open, in another process or in this one.</summary>
/// <remarks>
/// Two writers on one data directory would interleave appends and corrupt the log, so opening a directory takes an
/// exclusive lock on its <c>.lock</c> file. The operating system releases that lock when the holder exits, even when it
/// is killed, so a stale lock file never blocks a restart.
/// </remarks>
public sealed class LogDirectoryLockedException : IOException
{
    /// <summary>Initializes a new instance of the <see cref="LogDirectoryLockedException"/> class.</summary>
    public LogDirectoryLockedException()
        : this("The Herald log directory is in use by another process.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="LogDirectoryLockedException"/> class with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public LogDirectoryLockedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="LogDirectoryLockedException"/> class with a message and a cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public LogDirectoryLockedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="LogDirectoryLockedException"/> class naming the directory and its holder.</summary>
    /// <param name="directory">The full path of the locked data directory.</param>
    /// <param name="holderProcessId">The id of the process that holds the lock, or <see langword="null"/> when it could not be found.</param>
    /// <param name="innerException">The error that opening the lock file reported, or <see langword="null"/>.</param>
    public LogDirectoryLockedException(string directory, int? holderProcessId, Exception? innerException = null)
        : base(Describe(directory, holderProcessId), innerException)
    {
        Directory = directory;
        HolderProcessId = holderProcessId;
    }

    /// <summary>Gets the full path of the locked data directory, or <see langword="null"/> when not known.</summary>
    public string? Directory { get; }

    /// <summary>Gets the id of the process that holds the lock, or <see langword="null"/> when it could not be found.</summary>
    /// <remarks>Best effort: found through <c>/proc</c> on Linux; <see langword="null"/> on other systems.</remarks>
    public int? HolderProcessId { get; }

    private static string Describe(string directory, int? holderProcessId)
    {
        if (holderProcessId == Environment.ProcessId)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"The Herald log directory '{directory}' is already open in this process (pid {holderProcessId}). Only one log may open a data directory at a time; dispose the other one or choose another directory.");
        }

        var holder = holderProcessId is { } pid ? string.Create(CultureInfo.InvariantCulture, $" (pid {pid})") : string.Empty;
        return $"The Herald log directory '{directory}' is in use by another process{holder}. Only one process may open a data directory at a time; stop the other process or choose another directory.";
    }
}
