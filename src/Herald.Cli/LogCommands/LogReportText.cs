using System.Globalization;
using Spectre.Console;

namespace Herald.Cli.LogCommands;

/// <summary>Writes <c>herald log</c>'s report for a person: a table of partitions, one of groups, then what needs attention.</summary>
internal static class LogReportText
{
    public static void Write(CliContext context, LogReport report)
    {
        var output = context.Out;
        output.WriteLine($"Data directory: {report.Directory}");
        var console = context.CreateOutputConsole();
        console.Write(Partitions(report));
        if (report.Groups.Count > 0)
        {
            console.Write(Groups(report));
        }

        if (report.Damaged.Count > 0)
        {
            output.WriteLine("Damaged (they serve nothing until repaired; stop the application, then run the command given):");
            foreach (var damage in report.Damaged)
            {
                output.WriteLine($"  {damage.PartitionName}: {LogWarnings.Where(damage)}: {LogWarnings.Problem(damage)}");
                output.WriteLine(damage.Partition < 0 ? "    restore the topic's file or move it away" : "    " + LogWarnings.RepairCommand(report.Directory, damage));
            }
        }

        if (report.TornTails.Count > 0)
        {
            output.WriteLine("Torn tails (never acknowledged; left in place, the application cuts them when it next opens the log):");
            foreach (var tail in report.TornTails)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  '{tail.FileName}' at byte {tail.Position}: {tail.TruncatedBytes} bytes ({tail.Reason.TrimEnd('.')})"));
            }
        }

        if (report.Skipped.Count > 0)
        {
            output.WriteLine("Skipped (they belong to no topic; the log leaves them alone):");
            foreach (var entry in report.Skipped)
            {
                output.WriteLine($"  {entry}");
            }
        }

        output.WriteLine(Summary(report));
    }

    /// <summary>Formats a size in bytes for a person: <c>512 B</c>, <c>1.5 KiB</c>, <c>12.0 MiB</c>.</summary>
    public static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    private static Table Partitions(LogReport report)
    {
        var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle("Partitions") };
        table.AddColumns("Partition", "Start offset", "End offset", "Size", "Segments", "Status");
        for (var i = 1; i <= 4; i++)
        {
            table.Columns[i].RightAligned();
        }

        foreach (var partition in report.Partitions)
        {
            var status = partition.Damage is not null ? "DAMAGED"
                : partition.TornBytes > 0 ? string.Create(CultureInfo.InvariantCulture, $"torn tail: {partition.TornBytes} bytes left in place")
                : "ok";
            table.AddRow(
                Cell(partition.Name),
                Cell(Number(partition.StartOffset)),
                Cell(Number(partition.EndOffset)),
                Cell(Size(partition.SizeInBytes)),
                Cell(partition.Segments.ToString(CultureInfo.InvariantCulture)),
                Cell(status));
        }

        return table;
    }

    private static Table Groups(LogReport report)
    {
        var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle("Consumer groups") };
        table.AddColumns("Group", "Topic", "Partitions", "Lag");
        table.Columns[2].RightAligned();
        table.Columns[3].RightAligned();
        foreach (var byTopic in report.Groups.GroupBy(g => (g.Group, g.Topic)))
        {
            var lag = byTopic.Any(g => g.Lag is null)
                ? "unknown (a partition is damaged)"
                : byTopic.Sum(g => g.Lag!.Value).ToString(CultureInfo.InvariantCulture);
            table.AddRow(Cell(byTopic.Key.Group), Cell(byTopic.Key.Topic), Cell(byTopic.Count().ToString(CultureInfo.InvariantCulture)), Cell(lag));
        }

        return table;
    }

    private static string Summary(LogReport report)
    {
        var shape = string.Create(CultureInfo.InvariantCulture, $"{report.Partitions.Count} partitions in {report.TopicCount} topics, {Size(report.Partitions.Sum(p => p.SizeInBytes))}");
        return report.IsHealthy
            ? $"Healthy: {shape}."
            : string.Create(CultureInfo.InvariantCulture, $"Damaged: {report.Damaged.Count} of {shape}; see above.");
    }

    private static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static Markup Cell(string text) => new(Markup.Escape(text));
}
