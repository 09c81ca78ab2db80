using System.Globalization;
using Herald.Log;
using Herald.Transports.Embedded;

namespace Herald.Cli;

/// <summary>Checks and opens a Herald data directory without ever creating one.</summary>
internal static class DataDirectory
{
    /// <summary>The name of the environment variable that sets the default data directory.</summary>
    public const string EnvironmentVariable = "HERALD_DATA";

    /// <summary>The data directory when neither <c>--data</c> nor <see cref="EnvironmentVariable"/> names one.</summary>
    public const string DefaultPath = "herald-data";

    // Every log that was ever opened leaves its lock file behind (DirectoryLock never deletes it), so its absence means
    // the directory was never a Herald data directory: a typo, or the application's working directory instead.
    private const string LockFileName = ".lock";

    /// <summary>Opens <paramref name="path"/> through <paramref name="context"/>, mapping what can go wrong to exit codes 3 and 4.</summary>
    /// <exception cref="CliException">The directory does not exist, is not a data directory, or is locked.</exception>
    public static DeadLetterSession Open(string path, CliContext context)
    {
        var fullPath = Path.GetFullPath(path);

        // Checked before opening: EventLog.Open creates a missing directory, and a typo must not leave an empty log behind.
        if (File.Exists(fullPath))
        {
            throw new CliException(ExitCodes.NoDataDirectory, $"'{fullPath}' is a file, not a Herald data directory.");
        }

        if (!Directory.Exists(fullPath))
        {
            throw new CliException(ExitCodes.NoDataDirectory, $"data directory '{fullPath}' does not exist (set --data or {EnvironmentVariable}).");
        }

        if (!File.Exists(Path.Combine(fullPath, LockFileName)))
        {
            throw new CliException(ExitCodes.NoDataDirectory, $"'{fullPath}' is not a Herald data directory (it has no {LockFileName} file).");
        }

        try
        {
            return context.OpenDeadLetters(fullPath);
        }
        catch (LogDirectoryLockedException e)
        {
            throw new CliException(ExitCodes.DataDirectoryLocked, Locked(e.Directory ?? fullPath, e.HolderProcessId), e);
        }
    }

    /// <summary>Opens the embedded log in <paramref name="fullPath"/> and its dead-letter store.</summary>
    public static DeadLetterSession OpenEmbedded(string fullPath, TimeProvider timeProvider)
    {
        var transport = new EmbeddedLogTransport(new EmbeddedLogOptions { DataDirectory = fullPath }, timeProvider);
        try
        {
            return new DeadLetterSession(new DeadLetters.DeadLetters(transport, transport.DeadLetterStore, timeProvider), transport);
        }
        catch
        {
            transport.Dispose();
            throw;
        }
    }

    private static string Locked(string directory, int? holderProcessId)
    {
        var holder = holderProcessId switch
        {
            null => "another process",
            { } pid when pid == Environment.ProcessId => string.Create(CultureInfo.InvariantCulture, $"this process (pid {pid})"),
            { } pid => string.Create(CultureInfo.InvariantCulture, $"process {pid}"),
        };
        return $"data directory '{directory}' is locked by {holder}: one process at a time may open an embedded log; stop it and retry.";
    }
}
