namespace Herald.Transports.InMemory;

/// <summary>One consumer group's state in one partition. Guarded by the topic's lock.</summary>
internal sealed class InMemoryGroupPartition(long committed)
{
    /// <summary>Gets or sets the offset after the last completed event.</summary>
    public long Committed { get; set; } = committed;

    /// <summary>Gets the completed offsets past <see cref="Committed"/>, waiting for an earlier delivery to settle.</summary>
    public HashSet<long> CompletedAhead { get; } = [];

    /// <summary>Gets or sets the next offset to hand out; at least <see cref="Committed"/>.</summary>
    public long Position { get; set; } = committed;

    public InMemoryListener? Owner { get; set; }

    /// <summary>Gets or sets the assignment generation; settlements from an older one are ignored.</summary>
    public int Generation { get; set; }

    public long FailedOffset { get; set; } = -1;

    public int FailedCount { get; set; }

    /// <summary>Gets or sets when the failed event first failed.</summary>
    public DateTimeOffset FailedSince { get; set; }

    /// <summary>Gets or sets when a failed event may be handed out again.</summary>
    public DateTimeOffset NotBefore { get; set; }
}
