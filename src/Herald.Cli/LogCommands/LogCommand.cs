using System.CommandLine;
using System.Globalization;

namespace Herald.Cli.LogCommands;

/// <summary><c>herald log</c>: what the embedded log in a data directory holds and whether it is healthy; <c>herald log repair</c> mends a damaged partition.</summary>
internal static class LogCommand
{
    public static Command Create(CliContext context)
    {
        var data = DataDirectory.CreateOption(context, "The Herald data directory");
        var json = new Option<bool>("--json") { Description = "Write one JSON document to stdout, and nothing else" };
        var command = new Command(
            "log",
            "Show the embedded log of a data directory, read-only: topics, partitions, offsets, sizes, consumer groups' lag, " +
            "damaged partitions, torn tails and entries that belong to no topic (exit code 9 when a partition is damaged)")
        {
            data,
            json,
            RepairCommand.Create(context),
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            context,
            () => Task.FromResult(Run(context, parse.GetValue(data)!, parse.GetValue(json))),
            cancellationToken));
        return command;
    }

    private static int Run(CliContext context, string path, bool json)
    {
        var fullPath = DataDirectory.Resolve(path, context.WorkingDirectory);
        LogReport report;
        if (context.ServedLog is { } served)
        {
            DataDirectory.EnsureServed(served, fullPath);
            report = LogReport.Read(served);
        }
        else
        {
            using var log = DataDirectory.OpenLog(fullPath, context.Time);
            report = LogReport.Read(log);
        }

        if (json)
        {
            LogReportJson.Write(context.Out, report);
        }
        else
        {
            LogReportText.Write(context, report);
        }

        if (report.IsHealthy)
        {
            return ExitCodes.Success;
        }

        // Scripts alert on the exit code; a person at a terminal also sees one line on stderr when stdout goes elsewhere.
        var count = report.Damaged.Count == 1 ? "1 damaged partition" : string.Create(CultureInfo.InvariantCulture, $"{report.Damaged.Count} damaged partitions");
        CommandRunner.WriteError(context, $"{count} ({string.Join(", ", report.Damaged.Select(d => d.PartitionName))}); see the report on stdout, and repair with the application stopped.");
        return ExitCodes.DamagedData;
    }
}
