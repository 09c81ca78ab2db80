namespace Herald.DeadLetters;

/// <summary>Bounds the dead-letter queues: how many letters a consumer group keeps, and how long redriven ones stay.</summary>
/// <remarks>
/// A pending dead letter is never dropped to make room. When a group's queue is full of pending letters, the next event
/// the group gives up on is neither dead-lettered nor acknowledged: its partition stops there (the consumer loop logs
/// a <see cref="DeadLetterQueueFullException"/> and tries again every second) and the consumer health check reports the
/// group unhealthy, until an operator redrives or purges dead letters (<c>herald dlq</c>). Redriven letters, kept only
/// for the history they give a letter that fails again, make room first, oldest redrive first.
/// </remarks>
public sealed class DeadLetterOptions
{
    /// <summary>Gets or sets the most dead letters, pending and redriven, one consumer group keeps. Default 10,000; from 1 to 10,000,000.</summary>
    /// <remarks>
    /// Counted by each process over the letters it has seen: several processes of one group on a broker may together
    /// go past it by the letters they write at the same moment. At the cap the store is listed again before an event is
    /// held back, so letters another process (the CLI) removed make room at once.
    /// </remarks>
    public int MaxLettersPerGroup { get; set; } = 10_000;

    /// <summary>Gets or sets how long a redriven dead letter is kept after its redrive. Default 7 days; from 1 second to 3,650 days.</summary>
    /// <remarks>Applied whenever a dead letter is written, and by a hosted pass at start and every hour (or every retention period, when shorter); a letter that fails again before then carries its history on.</remarks>
    public TimeSpan RedrivenRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Throws when an option is out of its range, naming it.</summary>
    /// <exception cref="InvalidOperationException">An option is out of range.</exception>
    public void Validate()
    {
        if (MaxLettersPerGroup is < 1 or > 10_000_000)
        {
            throw new InvalidOperationException($"DeadLetterOptions.MaxLettersPerGroup is {MaxLettersPerGroup}; it must be from 1 to 10,000,000.");
        }

        if (RedrivenRetention < TimeSpan.FromSeconds(1) || RedrivenRetention > TimeSpan.FromDays(3650))
        {
            throw new InvalidOperationException($"DeadLetterOptions.RedrivenRetention is {RedrivenRetention}; it must be from 1 second to 3,650 days.");
        }
    }
}
