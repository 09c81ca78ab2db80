namespace Herald.Consuming.Ordering;

/// <summary>What a <see cref="SequenceGate"/> knows of one key in memory: where it may leave memory, and when it was last seen and saved.</summary>
/// <param name="durable">The position the store holds for the key, or the one a first-seen key starts at.</param>
/// <param name="savedAt">When the store last saved the key's position; <see cref="DateTimeOffset.MinValue"/> when unknown (restored).</param>
internal sealed class GateKey(long durable, DateTimeOffset savedAt)
{
    /// <summary>Gets or sets the position the key can leave memory at without losing anything.</summary>
    public long Durable { get; set; } = durable;

    /// <summary>Gets or sets when the key's position was last saved.</summary>
    public DateTimeOffset SavedAt { get; set; } = savedAt;

    /// <summary>Gets or sets when an event of the key last arrived.</summary>
    public DateTimeOffset LastSeen { get; set; }

    /// <summary>Gets or sets the partition the key's events last came from.</summary>
    public int Partition { get; set; } = -1;
}
