namespace Herald.Transports.Partitioned;

/// <summary>Reads one partition for one consumer group: the narrow per-partition part of a <see cref="PartitionedTransport"/>.</summary>
/// <remarks>
/// <para>
/// The kernel opens a cursor when this process starts consuming a partition for a group and disposes it when the process
/// gives the partition up. It calls a cursor under its group's lock, one call at a time, so a cursor needs no locking of
/// its own; <see cref="Read"/>, <see cref="GetDataSignal"/>, <see cref="Seek"/> and <see cref="Commit"/> must not block on
/// I/O (a broker cursor reads ahead into a buffer and commits in the background).
/// </para>
/// <para>
/// The kernel owns everything above a cursor: which member reads it, what is in flight, which settlements are stale,
/// redelivery delays and counts, and the order of commits. A cursor only moves through its partition.
/// </para>
/// </remarks>
public abstract class PartitionCursor : IAsyncDisposable
{
    /// <summary>Gets the group's committed position when the cursor opened: the offset reading starts at.</summary>
    public abstract long StartOffset { get; }

    /// <summary>Gets the redelivery schedule an earlier run left for this partition, or <see langword="null"/>.</summary>
    /// <remarks>A source that keeps no schedule across restarts returns <see langword="null"/>; the kernel keeps it in memory while the process runs.</remarks>
    public abstract PartitionRedelivery? Redelivery { get; }

    /// <summary>Adds up to <paramref name="maxCount"/> messages that are ready now, in offset order; returns how many were added.</summary>
    /// <remarks>Never waits. The next read continues after the last message added.</remarks>
    public abstract int Read(List<SourceMessage> messages, int maxCount);

    /// <summary>Returns <see langword="null"/> when <see cref="Read"/> may return messages now, else a task that completes when it may
    /// (<see langword="true"/>) or when the source closed (<see langword="false"/>).</summary>
    /// <remarks>A signal, never a poll: the task may be shared by every cursor of the partition, and may complete with
    /// nothing new for this cursor (the kernel asks again). A partition that cannot serve returns a task that does not complete.</remarks>
    public abstract Task<bool>? GetDataSignal();

    /// <summary>Moves the cursor so that the next <see cref="Read"/> starts at <paramref name="offset"/>.</summary>
    /// <remarks>The kernel seeks back to redeliver (a nack) and to the committed position when the partition changes member.</remarks>
    public abstract void Seek(long offset);

    /// <summary>Records the group's position in the partition: every offset before <paramref name="nextOffset"/> is handled.</summary>
    /// <remarks>Called in increasing order. The source may make it durable later (on an interval, in the background), which
    /// makes delivery at-least-once across a crash, never at-most-once.</remarks>
    public abstract void Commit(long nextOffset);

    /// <summary>Keeps a redelivery schedule so that a restart continues it; completes once it is kept as durably as the source keeps positions.</summary>
    /// <remarks>A source without durable state returns at once.</remarks>
    public abstract ValueTask SaveRedeliveryAsync(PartitionRedelivery redelivery, CancellationToken cancellationToken);

    /// <summary>Closes the cursor: the process no longer reads the partition for the group.</summary>
    public abstract ValueTask DisposeAsync();
}
