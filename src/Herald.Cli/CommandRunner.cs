using Herald.Cli.Remote;
using Herald.Log;

namespace Herald.Cli;

/// <summary>Runs a command's body and turns its outcome into an exit code and at most one line on stderr.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(CliContext context, Func<Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body();
        }
        catch (DataDirectoryServedException)
        {
            // HeraldCli.RunAsync runs the command in the server, or refuses it.
            throw;
        }
        catch (CliException e)
        {
            WriteError(context, e.Message);
            return e.ExitCode;
        }
        catch (LogDirectoryLockedException e)
        {
            // Raised by an open that bypassed DataDirectory.Open's mapping; the code must not depend on which path opened.
            WriteError(context, e.Message);
            return ExitCodes.DataDirectoryLocked;
        }
        catch (LogCorruptedException e)
        {
            // Raised by a partition found damaged after the open (a redrive topic, a read that ran into bad bytes).
            WriteError(context, $"{e.Message}; nothing more was changed (see 'herald log' for the damaged partitions and how to repair them).");
            return ExitCodes.DamagedData;
        }
        catch (UnauthorizedAccessException e)
        {
            WriteError(context, $"permission denied: {e.Message}");
            return ExitCodes.UnexpectedError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            WriteError(context, "interrupted; what was already done stays done (dead letters already redriven stay redriven).");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            WriteError(context, $"unexpected error: {e.GetType().FullName}: {e.Message}");
            return ExitCodes.UnexpectedError;
        }
    }

    /// <summary>Writes <paramref name="message"/> to stderr as one line prefixed with the tool's name.</summary>
    public static void WriteError(CliContext context, string message) => context.Error.WriteLine("herald: " + OneLine(message));

    /// <summary>Writes <paramref name="message"/> to stderr as one line prefixed with the tool's name and <c>warning:</c>.</summary>
    public static void WriteWarning(CliContext context, string message) => context.Error.WriteLine("herald: warning: " + OneLine(message));

    // Messages quote event ids and exception texts, so whatever control characters survive the join are escaped.
    private static string OneLine(string message) => TerminalText.Escape(
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
}
