using System.CommandLine;
using System.Globalization;
using Herald.Cli.Remote;
using Herald.Log;
using Herald.Transports.Embedded;

namespace Herald.Cli;

/// <summary>Checks and opens a Herald data directory without ever creating one, and without changing it unless asked to.</summary>
internal static class DataDirectory
{
    /// <summary>The name of the environment variable that sets the default data directory.</summary>
    public const string EnvironmentVariable = "HERALD_DATA";

    /// <summary>The data directory when neither <c>--data</c> nor <see cref="EnvironmentVariable"/> names one.</summary>
    public const string DefaultPath = "herald-data";

    // Every log that was ever opened leaves its lock file behind (DirectoryLock never deletes it), so its absence means
    // the directory was never a Herald data directory: a typo, or the application's working directory instead.
    private const string LockFileName = ".lock";

    /// <summary>Creates <c>--data DIR</c>, defaulting to <see cref="EnvironmentVariable"/>, then <see cref="DefaultPath"/>.</summary>
    public static Option<string> CreateOption(CliContext context, string description) => new("--data", "-d")
    {
        Description = $"{description}; not created if missing [env: {EnvironmentVariable}]",
        HelpName = "DIR",
        DefaultValueFactory = _ => context.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultPath,
    };

    /// <summary>Returns the full path of <paramref name="path"/> once it is known to be an existing Herald data directory.</summary>
    /// <exception cref="CliException">Exit code 4: the path is not valid, does not exist, is a file or is not a data directory; 2 when it is empty.</exception>
    public static string Resolve(string path, string? workingDirectory = null)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw CliException.Usage($"--data is empty: give the data directory, or set {EnvironmentVariable}.");
        }

        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(path, workingDirectory ?? Environment.CurrentDirectory);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliException(ExitCodes.NoDataDirectory, $"--data '{path}' is not a valid path ({e.Message}).", e);
        }

        // Checked before opening: EmbeddedLog.Open creates a missing directory, and a typo must not leave an empty log behind.
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

        return fullPath;
    }

    /// <summary>Opens the dead letters of <paramref name="path"/> through <paramref name="context"/> and warns about what the open found.</summary>
    /// <exception cref="CliException">The directory is missing, locked or unreadable, or its dead-letter topic is damaged (exit code 9).</exception>
    public static async Task<DeadLetterSession> OpenAsync(string path, CliContext context, DataDirectoryAccess access)
    {
        var fullPath = Resolve(path, context.WorkingDirectory);
        var session = Guard(fullPath, access, () => context.OpenDeadLetters(fullPath, access));
        if (session.Log is not { } log)
        {
            return session;
        }

        try
        {
            // A writable open comes after a read-only one that warned about everything: only what it cut is new.
            // A served log's torn tails were cut when the server opened it: the server said so then.
            LogWarnings.Write(context, log, damage: access == DataDirectoryAccess.ReadOnly, tornTails: context.ServedLog is null);
            EnsureUndamaged(log, EmbeddedLogTransport.DeadLetterTopic, "the dead letters cannot be read");
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens the embedded log in <paramref name="fullPath"/> and its dead-letter store, never running retention or compaction.</summary>
    public static DeadLetterSession OpenEmbedded(string fullPath, DataDirectoryAccess access, TimeProvider timeProvider)
    {
        var options = new EmbeddedLogTransportOptions { DataDirectory = fullPath };
        options.Log.ReadOnly = access == DataDirectoryAccess.ReadOnly;

        // Retention and compaction are the application's, with settings the tool cannot know: the tool's defaults would
        // delete segments the application keeps, and a prompt left open would give the timer all the time it needs.
        options.Log.CleanupInterval = Timeout.InfiniteTimeSpan;
        options.Log.TimeProvider = timeProvider;
        var transport = new EmbeddedLogTransport(options, timeProvider);
        try
        {
            return new DeadLetterSession(transport, transport.DeadLetterStore, timeProvider, transport)
            {
                IsReadOnly = options.Log.ReadOnly,
                Log = transport.Log,
            };
        }
        catch
        {
            transport.Dispose();
            throw;
        }
    }

    /// <summary>Opens the log in <paramref name="fullPath"/> read-only, mapping what can go wrong to one-line errors.</summary>
    public static EmbeddedLog OpenLog(string fullPath, TimeProvider timeProvider) => Guard(
        fullPath,
        DataDirectoryAccess.ReadOnly,
        () => EmbeddedLog.Open(fullPath, new EmbeddedLogOptions { ReadOnly = true, CleanupInterval = Timeout.InfiniteTimeSpan, TimeProvider = timeProvider }));

    /// <summary>Runs <paramref name="open"/>, turning the failures of opening <paramref name="fullPath"/> into one-line errors with exit codes.</summary>
    public static T Guard<T>(string fullPath, DataDirectoryAccess access, Func<T> open)
    {
        try
        {
            return open();
        }
        catch (LogDirectoryLockedException e) when (ServedBy(fullPath, e.HolderProcessId) is { } served)
        {
            throw new DataDirectoryServedException(served, fullPath);
        }
        catch (LogDirectoryLockedException e)
        {
            throw new CliException(ExitCodes.DataDirectoryLocked, Locked(e.Directory ?? fullPath, e.HolderProcessId, access), e);
        }
        catch (LogCorruptedException e)
        {
            throw new CliException(ExitCodes.DamagedData, $"{e.Message} (see 'herald log --data {LogWarnings.ShellQuote(fullPath)}').", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new CliException(ExitCodes.NoDataDirectory, $"data directory '{fullPath}' cannot be opened: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException(ExitCodes.UnexpectedError, $"permission denied opening data directory '{fullPath}': {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.UnexpectedError, $"cannot open data directory '{fullPath}': {e.Message}", e);
        }
    }

    /// <summary>Refuses a command that needs <paramref name="topic"/> when any of its partitions (or the topic itself) is damaged.</summary>
    /// <exception cref="CliException">Exit code <see cref="ExitCodes.DamagedData"/>, naming the repair command.</exception>
    public static void EnsureUndamaged(EmbeddedLog log, string topic, string consequence)
    {
        var damaged = log.Damaged.Where(d => string.Equals(d.Topic, topic, StringComparison.Ordinal)).ToList();
        if (damaged.Count == 0)
        {
            return;
        }

        var first = damaged[0];
        var repair = first.Partition < 0 ? "restore it or move it away" : "run: " + LogWarnings.RepairCommand(log.Directory, first);
        throw new CliException(
            ExitCodes.DamagedData,
            $"{(first.Partition < 0 ? "topic" : "partition")} {first.PartitionName} is damaged ({LogWarnings.Where(first)}), so {consequence}; nothing was changed. With the application stopped, {repair}");
    }

    /// <summary>Returns <paramref name="log"/>'s directory when it is <paramref name="fullPath"/>: a served command works on the served directory only.</summary>
    /// <exception cref="CliException">Exit code <see cref="ExitCodes.Usage"/>: the command names another directory.</exception>
    public static void EnsureServed(EmbeddedLog log, string fullPath)
    {
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        if (!string.Equals(Path.TrimEndingDirectorySeparator(log.Directory), Path.TrimEndingDirectorySeparator(fullPath), comparison))
        {
            throw CliException.Usage($"this herald serve holds '{log.Directory}', not '{fullPath}'.");
        }
    }

    // The server that holds the directory, when the lock's holder is the process its address file names.
    private static ServedDirectory? ServedBy(string fullPath, int? holderProcessId) =>
        ServedDirectory.Read(fullPath) is { } served && served.ProcessId != Environment.ProcessId && (holderProcessId is null || holderProcessId == served.ProcessId)
            ? served
            : null;

    private static string Locked(string directory, int? holderProcessId, DataDirectoryAccess access)
    {
        var holder = holderProcessId switch
        {
            null => "another process",
            { } pid when pid == Environment.ProcessId => string.Create(CultureInfo.InvariantCulture, $"this process (pid {pid})"),
            { } pid => string.Create(CultureInfo.InvariantCulture, $"process {pid}"),
        };
        return access == DataDirectoryAccess.ReadOnly
            ? $"data directory '{directory}' is locked by {holder}, which is writing to it: herald reads a data directory only while no process writes it; stop the application and retry."
            : $"data directory '{directory}' is locked by {holder}: a change needs the data directory to itself; stop the application (and any other herald) and retry; nothing was changed.";
    }
}
