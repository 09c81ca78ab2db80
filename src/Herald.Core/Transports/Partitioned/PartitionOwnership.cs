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
