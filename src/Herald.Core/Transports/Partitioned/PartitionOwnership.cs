namespace Herald.Transports.Partitioned;

/// <summary>The kernel's side of one consumer group in this process, for <see cref="PartitionLeases"/>: how big the group is here, and taking and giving back partitions.</summary>
public sealed class PartitionOwnership
{
    private readonly PartitionedGroup _group;

    internal PartitionOwnership(PartitionedGroup group) => _group = group;

    /// <summary>Gets the topic.</summary>
    public string Topic => _group.Topic;

    /// <summary>Gets the consumer group.</summary>
    public string Group => _group.Name;

    /// <summary>Gets how many partitions the topic has.</summary>
    public int PartitionCount => _group.Slots.Length;

    /// <summary>Gets how many members of the group run in this process.</summary>
    public int MemberCount => _group.MemberCount;

    /// <summary>Opens <paramref name="partition"/> for this process: one of the group's members here starts reading it at the committed position.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partition"/> is not a partition of the topic.</exception>
    public ValueTask AcquireAsync(int partition, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, PartitionCount);
        return _group.AcquireAsync(partition, cancellationToken);
    }

    /// <summary>Stops handing out <paramref name="partition"/>'s events in this process and waits until those in flight are
    /// settled, so that the position its cursor was last told to commit includes every event the group completed.</summary>
    /// <remarks>For a broker that moves a partition once its owner lets go (a Kafka rebalance): drain, commit the cursor's
    /// position, then <see cref="ReleaseAsync"/>, and the next owner neither handles again what this process finished nor
    /// handles the partition while this process still does. The partition stays held meanwhile: its deliveries in flight
    /// still settle, and an event whose redelivery is requested is left, with those after it, to the next owner.</remarks>
    /// <param name="partition">The partition.</param>
    /// <param name="timeout">How long to wait for the deliveries in flight; those still unsettled then come again to the next owner.</param>
    /// <returns><see langword="true"/> when nothing is in flight (or the partition is not held, or was released meanwhile);
    /// <see langword="false"/> when <paramref name="timeout"/> passed first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partition"/> is not a partition of the topic, or <paramref name="timeout"/> is negative.</exception>
    public Task<bool> DrainAsync(int partition, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, PartitionCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        return _group.DrainAsync(partition, timeout);
    }

    /// <summary>Stops reading <paramref name="partition"/> in this process; settlements of its deliveries in flight are ignored from now on.</summary>
    /// <remarks>Completes once the partition's cursor is closed, so another process may take it.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partition"/> is not a partition of the topic.</exception>
    public ValueTask ReleaseAsync(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, PartitionCount);
        return _group.ReleaseAsync(partition);
    }
}
