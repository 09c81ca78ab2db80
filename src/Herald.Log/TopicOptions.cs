namespace Herald.Log;

/// <summary>How one topic of an <see cref="EmbeddedLog"/> is laid out, flushed and cleaned up.</summary>
public sealed class TopicOptions
{
    /// <summary>Gets or sets the number of partitions a new topic gets. Default 8. An existing topic keeps the count it has on disk.</summary>
    public int Partitions { get; set; } = 8;

    /// <summary>Gets or sets when appends reach the disk. Default <see cref="FlushPolicy.Always"/>: acknowledged means fsynced.</summary>
    public FlushPolicy FlushPolicy { get; set; } = FlushPolicy.Always;

    /// <summary>Gets or sets how often a topic with <see cref="FlushPolicy.Interval"/> is fsynced. Default 200 ms.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets the size at which a partition's active segment is sealed and a new one started. Default 128 MiB.</summary>
    public long SegmentBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>Gets or sets the age of its first event at which an active segment is sealed, so age retention can delete it. Default 1 day.</summary>
    public TimeSpan SegmentRollTime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The largest <see cref="MaxUncompressedBatchBytes"/>: 1 GiB.</summary>
    internal const int MaxUncompressedBatchBytesLimit = 1024 * 1024 * 1024;

    /// <summary>Gets or sets the largest batch the writer builds, in bytes. Default 1 MiB; a single larger event gets a batch of its own.</summary>
    /// <remarks>
    /// Also the largest batch <see cref="LogPartition.AppendBatchesAsync"/> takes, counted as its <c>batchLength</c>
    /// field (the bytes after the 12 of base offset and length): Kafka's <c>max.message.bytes</c>, whose default this matches.
    /// </remarks>
    public int MaxBatchBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Gets or sets how many bytes the records of one compressed batch given to <see cref="LogPartition.AppendBatchesAsync"/>
    /// may take once decompressed. Default 64 MiB; from 1 KiB to 1 GiB.
    /// </summary>
    /// <remarks>
    /// Appending decompresses every compressed batch to check its records, into pooled memory that stops growing at this
    /// limit: a small batch that inflates past it (a decompression bomb) is refused with
    /// <see cref="InvalidRecordBatchException"/> after costing at most this much memory. Readers decompress stored batches
    /// up to 1 GiB, so lowering the limit never makes stored batches unreadable.
    /// </remarks>
    public int MaxUncompressedBatchBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// Gets or sets how many bytes of appends may wait for the disk per partition before appenders wait too. Default
    /// 16 MiB: this bounds the writer's memory whatever the producers do.
    /// </summary>
    public int MaxPendingBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Gets or sets the log bytes between two entries of a segment's sparse indexes. Default 4 KiB.</summary>
    public int IndexIntervalBytes { get; set; } = 4096;

    /// <summary>Gets or sets how old the newest event of a sealed segment may get before the segment is deleted. Default 7 days; <see langword="null"/> keeps events forever.</summary>
    public TimeSpan? RetentionTime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Gets or sets the most bytes a partition keeps; the oldest sealed segments are deleted beyond it. Default <see langword="null"/>: no limit.</summary>
    public long? RetentionBytes { get; set; }

    /// <summary>Gets or sets whether old events are deleted by age and size or compacted by key. Default <see cref="CleanupPolicy.Delete"/>.</summary>
    public CleanupPolicy CleanupPolicy { get; set; } = CleanupPolicy.Delete;

    /// <summary>Returns a copy, so that later changes to this instance do not reach an open topic.</summary>
    public TopicOptions Clone() => (TopicOptions)MemberwiseClone();

    internal void Validate(string topic)
    {
        static void Check(bool valid, string topic, string what)
        {
            if (!valid)
            {
                throw new ArgumentException($"Topic '{topic}': {what}");
            }
        }

        Check(Partitions is > 0 and <= 10_000, topic, $"Partitions must be from 1 to 10000, not {Partitions}.");
        Check(Enum.IsDefined(FlushPolicy), topic, $"FlushPolicy {FlushPolicy} is not defined.");
        Check(FlushInterval > TimeSpan.Zero, topic, $"FlushInterval must be positive, not {FlushInterval}.");
        Check(SegmentBytes is >= 1024 and <= int.MaxValue, topic, $"SegmentBytes must be from 1 KiB to 2 GiB, not {SegmentBytes}.");
        Check(SegmentRollTime > TimeSpan.Zero, topic, $"SegmentRollTime must be positive, not {SegmentRollTime}.");
        Check(MaxBatchBytes >= 1024, topic, $"MaxBatchBytes must be at least 1 KiB, not {MaxBatchBytes}.");
        Check(MaxUncompressedBatchBytes is >= 1024 and <= MaxUncompressedBatchBytesLimit, topic, $"MaxUncompressedBatchBytes must be from 1 KiB to 1 GiB, not {MaxUncompressedBatchBytes}.");
        Check(MaxPendingBytes >= MaxBatchBytes, topic, $"MaxPendingBytes ({MaxPendingBytes}) must be at least MaxBatchBytes ({MaxBatchBytes}).");
        Check(IndexIntervalBytes > 0, topic, $"IndexIntervalBytes must be positive, not {IndexIntervalBytes}.");
        Check(RetentionTime is null || RetentionTime > TimeSpan.Zero, topic, $"RetentionTime must be positive or null, not {RetentionTime}.");
        Check(RetentionBytes is null or > 0, topic, $"RetentionBytes must be positive or null, not {RetentionBytes}.");
        Check(Enum.IsDefined(CleanupPolicy), topic, $"CleanupPolicy {CleanupPolicy} is not defined.");
    }
}
