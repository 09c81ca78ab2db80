namespace Herald.Log;

/// <summary>How a topic gets rid of old events.</summary>
public enum CleanupPolicy
{
    /// <summary>Whole segments are deleted once they are older than the retention time or the topic outgrows its size limit.</summary>
    Delete,

    /// <summary>
    /// Only the newest event per key survives in sealed segments (events without a key always survive): for topics that
    /// carry state, where a consumer starting from the beginning needs the latest state of every entity only.
    /// </summary>
    Compact,
}
