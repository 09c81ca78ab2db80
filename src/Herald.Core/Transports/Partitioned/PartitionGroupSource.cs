namespace Herald.Transports.Partitioned;

/// <summary>One consumer group on one topic as a source sees it: opens the group's partitions and decides which of them this process may read.</summary>
/// <remarks>
/// The kernel opens one per (topic, group) when the process's first member joins and disposes it when the last leaves.
/// Where the broker gives a partition to one process natively (the embedded log's directory lock, Kafka's group
/// coordinator, a process-local store), <see cref="CreateLeases"/> returns <see langword="null"/> and the kernel opens every
/// partition; where it does not (RabbitMQ), the source returns <see cref="PartitionLeases"/> that take and give back
/// partitions across processes.
/// </remarks>
public abstract class PartitionGroupSource : IAsyncDisposable
{
    /// <summary>Opens a cursor on <paramref name="partition"/> at the group's committed position.</summary>
    public abstract ValueTask<PartitionCursor> OpenAsync(int partition, CancellationToken cancellationToken);

    /// <summary>Returns what takes partitions of the group for this process across processes, or <see langword="null"/> when the process may read all of them.</summary>
    /// <param name="ownership">The kernel's side of the group: the leases acquire and release partitions through it.</param>
    public abstract PartitionLeases? CreateLeases(PartitionOwnership ownership);

    /// <summary>Returns a group source for a source that gives this process every partition (a process-local store, a locked data directory).</summary>
    /// <param name="open">Opens a cursor on a partition at the group's committed position, without waiting.</param>
    /// <param name="close">Runs when the process's last member of the group leaves, after every cursor is disposed; or <see langword="null"/>.</param>
    public static PartitionGroupSource ForEveryPartition(Func<int, PartitionCursor> open, Action? close = null)
    {
        ArgumentNullException.ThrowIfNull(open);
        return new LocalGroupSource(open, close);
    }

    /// <summary>Closes the group's connection to the source; every cursor was disposed before.</summary>
    public abstract ValueTask DisposeAsync();
}
