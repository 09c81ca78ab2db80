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
    /// <see cref="GapTimeoutPolicy.KeepWaiting"/> the event is refused instead and offered again later.
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

    /// <summary>
    /// Gets or sets how long a key with nothing buffered and no events is kept in memory. Default 10 minutes, from 1 second
    /// to 30 days, or <see cref="Timeout.InfiniteTimeSpan"/> to keep keys until <see cref="MaxKeysInMemory"/> forces them out.
    /// </summary>
    /// <remarks>
    /// Keys are checked every quarter of the timeout (at least every second, at most every minute) while the member
    /// receives events, so a key leaves memory that much after its timeout at the latest. An evicted key loses nothing: it leaves memory only once its position is durable (every event it released was
    /// dealt with and its position saved), and its position is restored from the transport's store the next time an event
    /// of the key arrives. What it does lose is the memory of recently given-up sequence numbers, so a missing event that
    /// turns up after the eviction counts as a duplicate rather than a late arrival.
    /// </remarks>
    public TimeSpan KeyIdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets how many keys one consumer member keeps in memory. Default 100,000, from 1 to 10,000,000.</summary>
    /// <remarks>
    /// Above it, keys that could leave memory (nothing buffered, position durable) do so before their idle timeout, least
    /// recently seen first, down to 90% of the cap. Keys with buffered or unfinished events are never evicted, so the cap
    /// can be exceeded by up to <see cref="MaxBuffered"/> keys plus the events the member has in flight.
    /// </remarks>
    public int MaxKeysInMemory { get; set; } = 100_000;

    /// <summary>
    /// Gets or sets how long a key's position stays in the transport's store after it was last saved. Default 7 days;
    /// positive and longer than <see cref="KeyIdleTimeout"/>, or <see cref="Timeout.InfiniteTimeSpan"/> to keep positions forever.
    /// </summary>
    /// <remarks>
    /// A key whose position was removed is a key seen for the first time when it returns: it starts at
    /// <see cref="FirstSequence"/> (so an event numbered above it waits <see cref="GapTimeout"/> for the numbers before it,
    /// then goes on under <see cref="OnGapTimeout"/>, and one numbered at or below it is dropped as a duplicate), or, with
    /// <see cref="FirstSequence"/> <see langword="null"/>, at whatever number arrives first. Set it above the longest
    /// silence of a key whose order matters. Positions of keys still in a member's memory are saved again before old
    /// positions are removed, so a key is only forgotten after it has been out of every member's memory for this long.
    /// </remarks>
    public TimeSpan PositionRetention { get; set; } = TimeSpan.FromDays(7);

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

        if (KeyIdleTimeout != Timeout.InfiniteTimeSpan && (KeyIdleTimeout < TimeSpan.FromSeconds(1) || KeyIdleTimeout > TimeSpan.FromDays(30)))
        {
            return $"KeyIdleTimeout is {KeyIdleTimeout}; it must be from 1 second to 30 days, or Timeout.InfiniteTimeSpan.";
        }

        if (MaxKeysInMemory is < 1 or > 10_000_000)
        {
            return $"MaxKeysInMemory is {MaxKeysInMemory}; it must be from 1 to 10,000,000.";
        }

        if (PositionRetention != Timeout.InfiniteTimeSpan && (PositionRetention <= TimeSpan.Zero || (KeyIdleTimeout != Timeout.InfiniteTimeSpan && PositionRetention <= KeyIdleTimeout)))
        {
            return $"PositionRetention is {PositionRetention}; it must be longer than KeyIdleTimeout ({KeyIdleTimeout}), or Timeout.InfiniteTimeSpan to keep positions forever.";
        }

        return FirstSequence < 0 ? $"FirstSequence is {FirstSequence}; it must be at least 0, or null to start at the first sequence seen." : null;
    }
}
