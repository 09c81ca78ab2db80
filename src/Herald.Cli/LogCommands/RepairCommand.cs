using System.CommandLine;
using System.Globalization;
using Herald.Cli.DeadLetterCommands;
using Herald.Log;

namespace Herald.Cli.LogCommands;

/// <summary>
/// <c>herald log repair</c>: cuts a damaged partition at its first bad batch, keeping every byte cut under
/// <c>__repairs/</c>, so that it serves again with the records before the damage.
/// </summary>
internal static class RepairCommand
{
    public static Command Create(CliContext context)
    {
        var options = new RepairOptions(context);
        var command = new Command(
            "repair",
            "Cut a damaged partition at its first bad batch, keeping what is cut under <data>/__repairs/; the application must be stopped");
        options.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(context, () => RunAsync(context, parse, options, cancellationToken), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parse, RepairOptions options, CancellationToken cancellationToken)
    {
        var partition = PartitionName.Parse(parse.GetValue(options.Partition)!);
        var dryRun = parse.GetValue(options.DryRun);
        var json = parse.GetValue(options.Json);
        if (!dryRun && !parse.GetValue(options.Yes) && context.IsInputRedirected)
        {
            throw CliException.Usage("refusing to repair without --yes: stdin is not a terminal, so no one can confirm (preview with --dry-run).");
        }

        var fullPath = DataDirectory.Resolve(parse.GetValue(options.Data)!);
        var directory = Path.Combine(fullPath, partition.ToString());
        if (!Directory.Exists(directory))
        {
            throw CliException.Usage($"the data directory has no partition {partition} (no directory '{directory}'); 'herald log' lists the partitions.");
        }

        // Found with a shared lock, changing nothing; the repair itself takes the directory to itself.
        var found = Repair(fullPath, partition, dryRun: true, context.Time);
        if (!found.FoundDamage || dryRun)
        {
            Report(context, json, found, dryRun, fullPath);
            return ExitCodes.Success;
        }

        if (!parse.GetValue(options.Yes))
        {
            if (!json)
            {
                context.Out.WriteLine(Found(found));
            }

            if (!await context.Confirm($"Cut {found.Partition} from '{found.FileName}' at byte {found.Position} ({Cut(found)}), keeping the cut bytes under {LogRepair.RepairsDirectoryName}/?", cancellationToken))
            {
                CommandRunner.WriteError(context, "aborted; nothing was changed.");
                return ExitCodes.Success;
            }
        }

        var done = Repair(fullPath, partition, dryRun: false, context.Time);
        Report(context, json, done, dryRun: false, fullPath);
        if (!json && done.Applied)
        {
            context.Out.WriteLine(Afterwards(context, fullPath, partition));
        }

        return ExitCodes.Success;
    }

    private static LogRepairResult Repair(string fullPath, PartitionName partition, bool dryRun, TimeProvider timeProvider)
    {
        try
        {
            return DataDirectory.Guard(
                fullPath,
                dryRun ? DataDirectoryAccess.ReadOnly : DataDirectoryAccess.Writable,
                () => LogRepair.Repair(fullPath, partition.Topic, partition.Partition, dryRun, timeProvider));
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage($"--partition '{partition}': {e.Message}");
        }
    }

    private static void Report(CliContext context, bool json, LogRepairResult result, bool dryRun, string fullPath)
    {
        if (json)
        {
            JsonOutput.WriteDocument(context.Out, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("partition", result.Partition);
                writer.WriteBoolean("dryRun", dryRun);
                writer.WriteBoolean("damaged", result.FoundDamage);
                writer.WriteBoolean("applied", result.Applied);
                writer.WriteString("file", result.FileName);
                writer.WriteNumber("position", result.Position);
                writer.WriteString("problem", result.Problem);
                writer.WriteNumber("bytesCut", result.BytesCut);
                writer.WriteStartArray("segmentsRemoved");
                foreach (var segment in result.SegmentsRemoved)
                {
                    writer.WriteStringValue(segment);
                }

                writer.WriteEndArray();
                writer.WriteString("sideDirectory", result.SideDirectory);
                writer.WriteEndObject();
            });
            return;
        }

        if (!result.FoundDamage)
        {
            context.Out.WriteLine($"Partition {result.Partition} has no damage; nothing to repair.");
            return;
        }

        if (!result.Applied)
        {
            context.Out.WriteLine(Found(result));
            context.Out.WriteLine($"Dry run: nothing was changed. Repair with the application stopped: herald log repair --data {LogWarnings.ShellQuote(fullPath)} --partition {result.Partition}");
            return;
        }

        context.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Repaired {result.Partition}: cut '{result.FileName}' at byte {result.Position} ({result.Problem?.TrimEnd('.')}): {Cut(result)}; the cut bytes are kept in '{result.SideDirectory}'."));
    }

    // Read back through a fresh read-only open, so the operator sees what the application will see.
    private static string Afterwards(CliContext context, string fullPath, PartitionName partition)
    {
        try
        {
            using var log = DataDirectory.OpenLog(fullPath, context.Time);
            return log.TryGetTopic(partition.Topic, out var topic) && partition.Partition < topic.Partitions.Count && topic.Partitions[partition.Partition] is { Damage: null } repaired
                ? string.Create(CultureInfo.InvariantCulture, $"{partition} now holds offsets {repaired.StartOffset} to {repaired.EndOffset} (exclusive); consumer groups committed past the end resume from it.")
                : $"{partition} does not open cleanly yet; run 'herald log' to see why.";
        }
        catch (CliException e)
        {
            return $"{partition} was repaired but could not be read back: {e.Message}";
        }
    }

    private static string Found(LogRepairResult result) => string.Create(
        CultureInfo.InvariantCulture,
        $"Partition {result.Partition} is damaged: '{result.FileName}' at byte {result.Position}: {result.Problem} A repair cuts {Cut(result)}.");

    private static string Cut(LogRepairResult result) => result.SegmentsRemoved.Count == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{result.BytesCut} bytes, to the end of that file")
        : string.Create(CultureInfo.InvariantCulture, $"{result.BytesCut} bytes: the rest of that file and {result.SegmentsRemoved.Count} later segment(s), {string.Join(", ", result.SegmentsRemoved.Select(Path.GetFileName))}");
}
