using System.Globalization;

namespace Herald.Transports.Embedded;

// Health without I/O: what the log already knows about its failed and damaged partitions.
public sealed partial class EmbeddedLogTransport : ITransportHealth
{
    /// <summary>Returns unhealthy while a partition failed (until restart) or is damaged (until repaired), naming each.</summary>
    public TransportHealth CheckHealth()
    {
        // A partition whose write or fsync failed refuses every append until the application restarts.
        var failed = Log.Topics
            .SelectMany(topic => topic.Partitions)
            .Where(partition => partition.Failure is not null)
            .Select(partition => string.Create(CultureInfo.InvariantCulture, $"{partition.Topic}-{partition.Id} ({partition.Failure!.Message})"))
            .ToList();
        foreach (var damage in Log.Damaged)
        {
            failed.Add($"{damage.PartitionName} (damaged: '{damage.FileName}' at byte {damage.Position}; run '{damage.RepairCommand(Log.Directory)}')");
        }

        return failed.Count == 0
            ? TransportHealth.Healthy(string.Create(CultureInfo.InvariantCulture, $"Embedded log in {Log.Directory}: every partition of {Log.Topics.Count} topic(s) accepts events."))
            : TransportHealth.Unhealthy(string.Create(
                CultureInfo.InvariantCulture,
                $"Embedded log in {Log.Directory}: {failed.Count} partition(s) failed or damaged and accept no events: {string.Join(", ", failed)}. A failed partition recovers when the application restarts; a damaged one after its repair command."));
    }
}
