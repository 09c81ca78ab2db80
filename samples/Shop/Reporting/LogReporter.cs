using System.Globalization;
using Herald.Log;
using Shop.Storage;

namespace Shop.Reporting;

/// <summary>Tells the user, one line each, what the embedded log found when it opened the data directory (damaged
/// partitions, torn tails it cut off) and which partition fails to write while the shop runs.</summary>
/// <remarks>In place of the transport's own log messages, which the shop does not show: they take two lines each, and the
/// log also reports the shop's database as an entry of the data directory that belongs to no topic.</remarks>
internal static class LogReporter
{
    /// <summary>Writes what opening <paramref name="log"/> found, and from now on each partition that fails.</summary>
    /// <remarks>A failing partition is reported from the log's writer thread: <paramref name="diagnostics"/> must be a
    /// synchronized writer, such as <see cref="Console.Error"/>.</remarks>
    public static void Attach(EmbeddedLog log, DamagedPartitions damaged, TextWriter diagnostics)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(damaged);
        ArgumentNullException.ThrowIfNull(diagnostics);
        foreach (var recovery in log.Recoveries)
        {
            diagnostics.WriteLine($"Shop: {recovery}.");
        }

        foreach (var damage in damaged.All)
        {
            diagnostics.WriteLine(Describe(damage, damaged.RepairCommand(damage)));
        }

        log.PartitionFailed += (partition, exception) => diagnostics.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Shop: partition {partition.Topic}-{partition.Id} failed to write or fsync and takes no more events ({exception.Message.ReplaceLineEndings(" ")}); stop the Shop and start it again to recover."));
    }

    /// <summary>Returns the one line that names a damaged partition, where the damage is and the command that repairs it.</summary>
    public static string Describe(LogDamage damage, string repairCommand)
    {
        ArgumentNullException.ThrowIfNull(damage);
        var where = damage.Position >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"at byte {damage.Position} of '{damage.FileName}'")
            : $"in '{damage.FileName}'";
        var consequence = damage.Partition >= 0
            ? $"partition {damage.PartitionName} is damaged {where}; the Shop serves the other partitions, and the events bound for this one wait in the outbox"
            : $"topic {damage.PartitionName} is damaged {where}; none of its events can be sent or read";
        return $"Shop: {consequence}. Stop the Shop and run: {repairCommand}";
    }
}
