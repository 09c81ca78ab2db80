namespace Herald.Transports;

/// <summary>How far a consumer group is behind in one partition of a topic.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="EndOffset">The offset the next event appended to the partition gets.</param>
/// <param name="CommittedOffset">The offset after the group's last completed event (its committed position).</param>
public readonly record struct PartitionLag(int Partition, long EndOffset, long CommittedOffset)
{
    /// <summary>Gets how many events of the partition the group has not completed.</summary>
    public long Lag => Math.Max(0, EndOffset - CommittedOffset);
}
