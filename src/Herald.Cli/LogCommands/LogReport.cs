using Herald.Log;

namespace Herald.Cli.LogCommands;

/// <summary>What <c>herald log</c> reports about a log, read once from a read-only open.</summary>
/// <param name="Directory">The data directory, a full path.</param>
/// <param name="Partitions">Every partition of every topic that opened, the application's topics first.</param>
/// <param name="Damaged">The damaged partitions and topics.</param>
/// <param name="TornTails">The torn tails, left in place.</param>
/// <param name="Skipped">The entries of the data directory that belong to no topic.</param>
/// <param name="Groups">The consumer groups' committed offsets and lag, one per group and partition it has committed on.</param>
internal sealed record LogReport(
    string Directory,
    IReadOnlyList<LogReport.PartitionState> Partitions,
    IReadOnlyList<LogDamage> Damaged,
    IReadOnlyList<LogRecovery> TornTails,
    IReadOnlyList<string> Skipped,
    IReadOnlyList<LogReport.GroupPosition> Groups)
{
    /// <summary>Gets whether no partition or topic is damaged; torn tails are normal after a crash and do not count.</summary>
    public bool IsHealthy => Damaged.Count == 0;

    /// <summary>Gets the number of topics that opened.</summary>
    public int TopicCount => Partitions.Select(p => p.Topic).Distinct(StringComparer.Ordinal).Count();

    /// <summary>Reads the report from an open log.</summary>
    public static LogReport Read(EmbeddedLog log)
    {
        var topics = log.Topics.OrderBy(t => t.Name.StartsWith("__", StringComparison.Ordinal)).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        var tornTails = log.Recoveries;
        var partitions = topics.SelectMany(t => t.Partitions).Select(p => Describe(p, tornTails)).ToList();
        var groups = new List<GroupPosition>();
        foreach (var group in log.Groups.Names)
        {
            foreach (var partition in topics.SelectMany(t => t.Partitions))
            {
                var committed = log.Groups.GetCommittedOffset(group, partition.Topic, partition.Id);
                if (committed >= 0)
                {
                    // A damaged partition's end is unknown until it is repaired: no lag rather than a made-up one.
                    long? lag = partition.Damage is null ? Math.Max(0, partition.EndOffset - Math.Max(committed, partition.StartOffset)) : null;
                    groups.Add(new GroupPosition(group, partition.Topic, partition.Id, committed, lag));
                }
            }
        }

        return new LogReport(log.Directory, partitions, log.Damaged, tornTails, log.SkippedEntries, groups);
    }

    private static PartitionState Describe(LogPartition partition, IReadOnlyList<LogRecovery> tornTails)
    {
        var torn = tornTails.Where(r => string.Equals(Path.GetDirectoryName(r.FileName), partition.Directory, StringComparison.Ordinal)).Sum(r => r.TruncatedBytes);
        if (partition.Damage is null)
        {
            return new PartitionState(partition.Topic, partition.Id, partition.StartOffset, partition.EndOffset, partition.SizeInBytes, partition.SegmentCount, null, torn);
        }

        // A damaged partition opens no segment, so its size is what is on disk.
        var files = System.IO.Directory.Exists(partition.Directory) ? new DirectoryInfo(partition.Directory).GetFiles("*.log") : [];
        return new PartitionState(partition.Topic, partition.Id, null, null, files.Sum(f => f.Length), files.Length, partition.Damage, torn);
    }

    /// <summary>One partition: its offsets (unknown when damaged), size, segments, damage and torn bytes.</summary>
    internal sealed record PartitionState(string Topic, int Id, long? StartOffset, long? EndOffset, long SizeInBytes, int Segments, LogDamage? Damage, long TornBytes)
    {
        /// <summary>Gets the partition's name: <c>topic-N</c>.</summary>
        public string Name => $"{Topic}-{Id}";
    }

    /// <summary>A consumer group's committed offset on a partition, and the records after it (unknown when the partition is damaged).</summary>
    internal sealed record GroupPosition(string Group, string Topic, int Partition, long Committed, long? Lag);
}
