using System.Diagnostics;
using System.Globalization;
using Herald.Log;
using Shop.Brokers;
using Shop.CommandLine;
using Shop.Reporting;
using Shop.Services;

namespace Shop;

/// <summary>The shop's command: parses the arguments, prepares the data directory, runs the shop and returns the exit code.</summary>
internal static class ShopApplication
{
    public const int Done = 0;
    public const int TimedOut = 1;
    public const int BadArguments = 2;
    public const int DataDirectoryInUse = 3;
    public const int BrokerUnreachable = 4;
    public const int DataDirectoryUnusable = 5;
    public const int Degraded = 6;

    // 128 + SIGINT: what shells report for a program ended by Ctrl+C.
    public const int Interrupted = 130;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter diagnostics)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(diagnostics);
        if (!ShopCommandLine.TryParse(args, out var options, out var error))
        {
            await diagnostics.WriteLineAsync($"Shop: {error}. Run with --help for usage.");
            return BadArguments;
        }

        if (options.Help)
        {
            await output.WriteAsync(ShopCommandLine.Usage);
            return Done;
        }

        if (options.Combine is { } summaries)
        {
            return await CombineAsync(summaries, options.Json, output, diagnostics);
        }

        try
        {
            if (options.Fresh)
            {
                if (!ShopDataDirectory.TryDelete(options.DataDirectory, out var deleted, out var kept, out var freshError))
                {
                    await diagnostics.WriteLineAsync($"Shop: {freshError}.");
                    return BadArguments;
                }

                if (deleted || kept.Count > 0)
                {
                    await diagnostics.WriteLineAsync(FreshMessage(Path.GetFullPath(options.DataDirectory), deleted, kept));
                }
            }

            // The embedded log locks its own directory when it opens; on a broker the shop locks the database's (with
            // --service, the service's own directory: four services share a data directory, never a database).
            using var directoryLock = options.UsesBroker ? BrokerDataDirectory.Lock(options.DatabaseDirectory) : null;
            using var host = ShopHost.Build(options);
            var summary = options.Service is null
                ? await new ShopRunner(host, options, output, diagnostics).RunAsync()
                : await new ServiceRunner(host, options, output, diagnostics).RunAsync();
            return ExitCode(summary.Status);
        }
        catch (LogDirectoryLockedException exception)
        {
            // An expected condition, not a bug: one line that says what to do, no stack trace.
            await diagnostics.WriteLineAsync($"Shop: {exception.Message}");
            return DataDirectoryInUse;
        }
        catch (DataDirectoryException exception)
        {
            await diagnostics.WriteLineAsync($"Shop: {exception.Message}");
            return DataDirectoryUnusable;
        }
        catch (LogCorruptedException exception)
        {
            // Damage the log cannot confine to one partition, such as a group's committed offsets: what the group has
            // handled is unknown, so it cannot consume at all. (A damaged partition only degrades the run.)
            await diagnostics.WriteLineAsync(
                $"Shop: cannot use the data directory: {exception.Message.ReplaceLineEndings(" ")} Restore that file from a backup, or start over with --fresh.");
            return DataDirectoryUnusable;
        }
        catch (BrokerUnreachableException exception)
        {
            await diagnostics.WriteLineAsync($"Shop: {exception.Message}");
            return BrokerUnreachable;
        }
    }

    /// <summary>Returns the line <c>--fresh</c> prints: what it deleted, and what it kept because the shop did not create it.</summary>
    internal static string FreshMessage(string directory, bool deleted, IReadOnlyList<string> kept)
    {
        var start = deleted ? $"Shop: starting fresh: deleted what earlier runs left in {directory}" : $"Shop: starting fresh: nothing of earlier runs in {directory}";
        return kept.Count == 0
            ? start + "."
            : string.Create(
                CultureInfo.InvariantCulture,
                $"{start}; kept {kept.Count} entries the Shop did not create: {string.Join(", ", kept)}.");
    }

    // The four services' summaries, added up as the one-process shop would have printed them; its status is theirs.
    private static async Task<int> CombineAsync(string path, bool json, TextWriter output, TextWriter diagnostics)
    {
        ShopSummary summary;
        try
        {
            summary = ServiceSummaries.Read(path);
        }
        catch (Exception exception) when (exception is FormatException or IOException or UnauthorizedAccessException)
        {
            await diagnostics.WriteLineAsync($"Shop: cannot combine the summaries: {exception.Message}.");
            return BadArguments;
        }

        SummaryWriter.Write(output, summary, json);
        return ExitCode(summary.Status);
    }

    private static int ExitCode(RunOutcome outcome) => outcome switch
    {
        RunOutcome.Completed or RunOutcome.Stopped => Done,
        RunOutcome.TimedOut => TimedOut,
        RunOutcome.Interrupted => Interrupted,
        RunOutcome.Degraded => Degraded,
        _ => throw new UnreachableException($"Unknown outcome {outcome}."),
    };
}
