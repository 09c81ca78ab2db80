namespace Herald.Consuming.Ordering;

/// <summary>Configures how a consumer group puts events of one key back into sequence order (<c>sequence</c> attribute) before handling them.</summary>
/// <remarks>
/// Events without a sequence number or a partition key pass through unbuffered. Items waiting in the buffer are not yet
/// acknowledged to the transport, so a crash redelivers them; the caps bound how many such items a member holds.
/// </remarks>
public sealed class ReorderOptions
{
    /// <summary>
    /// Gets or sets how long an out-of-order event waits for its missing predecessors before <see cref="OnGapTimeout"/>
    /// applies. Default 30 s, from 1 ms to 1 day; ignored under <see cref="GapTimeoutPolicy.KeepWaiting"/>.
    /// </summary>
    public TimeSpan GapTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets what happens when a gap does not fill within <see cref="GapTimeout"/>. Default <see cref="GapTimeoutPolicy.SkipGap"/>.</summary>
    public GapTimeoutPolicy OnGapTimeout { get; set; } = GapTimeoutPolicy.SkipGap;

    /// <summary>Gets or sets how many events may wait, over all keys. Default 10,000, from 1 to 1,000,000.</summary>
    /// <remarks>
    /// When an event would exceed it, the oldest gap is given up at once under <see cref="OnGapTimeout"/>; under
    /// <see cref="GapTimeoutPolicy.KeepWaiting"/> the event is refused instead (<see cref="ReorderDisposition.Rejected"/>).
    /// </remarks>
    public int MaxBuffered { get; set; } = 10_000;

    /// <summary>Gets or sets how many events of one key may wait. Default 1,000, from 1 to 1,000,000; above <see cref="MaxBuffered"/> it has no effect.</summary>
    /// <remarks>When an event would exceed it, that key's gap is given up at once, as for <see cref="MaxBuffered"/>.</remarks>
    public int MaxBufferedPerKey { get; set; } = 1_000;

    /// <summary>
    /// Gets or sets the sequence number a key with no restored position starts at. Default 1, from 0; <see langword="null"/>
    /// starts each key at the first sequence number seen.
    /// </summary>
    /// <remarks>
    /// With a fixed start, a key's first events wait for their predecessors like any other gap, so a consumer joining a
    /// stream mid-way waits <see cref="GapTimeout"/> once per key (restore positions to avoid it). With
    /// <see langword="null"/> nothing waits at first, but an event that overtook its predecessor as the first one seen makes
    /// that predecessor a duplicate.
    /// </remarks>
    public long? FirstSequence { get; set; } = 1;

    internal void Validate(string group)
    {
        if (Problem() is { } problem)
        {
            throw new InvalidOperationException($"Consumer group '{group}': Reorder.{problem}");
        }
    }

    /// <summary>Returns what is wrong with the options, or <see langword="null"/>.</summary>
    internal string? Problem()
    {
        if (GapTimeout < TimeSpan.FromMilliseconds(1) || GapTimeout > TimeSpan.FromDays(1))
        {
            return $"GapTimeout is {GapTimeout}; it must be from 1 ms to 1 day.";
        }

        if (!Enum.IsDefined(OnGapTimeout))
        {
            return $"OnGapTimeout {OnGapTimeout} is not a defined policy.";
        }

        if (MaxBuffered is < 1 or > 1_000_000)
        {
            return $"MaxBuffered is {MaxBuffered}; it must be from 1 to 1,000,000.";
        }

        if (MaxBufferedPerKey is < 1 or > 1_000_000)
        {
            return $"MaxBufferedPerKey is {MaxBufferedPerKey}; it must be from 1 to 1,000,000.";
        }

        return FirstSequence < 0 ? $"FirstSequence is {FirstSequence}; it must be at least 0, or null to start at the first sequence seen." : null;
    }
}
