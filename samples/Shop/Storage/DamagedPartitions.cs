using Herald.Log;
using Herald.Transports;
using Herald.Transports.Embedded;

namespace Shop.Storage;

/// <summary>The partitions (or whole topics) of the embedded log that were found damaged when it opened, and which events
/// they keep from being sent; none on any other transport.</summary>
/// <remarks>A damaged partition serves nothing until an operator repairs it with the shop stopped, so the set stays the
/// same for the whole run. Thread-safe.</remarks>
internal sealed class DamagedPartitions
{
    private readonly EmbeddedLog? _log;

    private DamagedPartitions(EmbeddedLog? log)
    {
        _log = log;
        All = log?.Damaged ?? [];
    }

    /// <summary>Gets the damage, one entry per partition or topic.</summary>
    public IReadOnlyList<LogDamage> All { get; }

    public bool Any => All.Count > 0;

    public static DamagedPartitions Of(ITransport transport) => new((transport as EmbeddedLogTransport)?.Log);

    /// <summary>Returns whether an event on <paramref name="topic"/> with <paramref name="partitionKey"/> would go to a
    /// damaged partition, which would refuse it.</summary>
    public bool Holds(string topic, string? partitionKey)
    {
        if (_log is null || All.Count == 0)
        {
            return false;
        }

        if (!_log.TryGetTopic(topic, out var logTopic))
        {
            // A topic whose own entry is damaged never opens; one that does not exist yet is created healthy.
            return All.Any(d => d.Topic == topic);
        }

        // The partition EmbeddedLogTransport chooses for the key. An event without a key goes round-robin, to a partition
        // no one can tell in advance; the shop keys every event it publishes.
        return partitionKey is not null && logTopic.Partitions[KeyPartitioner.Partition(partitionKey, logTopic.Partitions.Count)].Damage is not null;
    }

    /// <summary>Returns the command that repairs <paramref name="damage"/>.</summary>
    public string RepairCommand(LogDamage damage)
    {
        ArgumentNullException.ThrowIfNull(damage);
        return damage.RepairCommand(_log?.Directory ?? string.Empty);
    }
}
