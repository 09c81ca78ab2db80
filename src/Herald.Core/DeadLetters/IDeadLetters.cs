namespace Herald.DeadLetters;

/// <summary>Inspects, redrives and purges the dead-letter queues of every consumer group.</summary>
/// <remarks>
/// A redrive sends the event, unchanged and with its event id, back to the consumer group that dead-lettered it, and
/// to no other group: groups that handled it see it once. If it fails again there, it returns to the queue with the
/// earlier episode in <see cref="DeadLetter.History"/>.
/// </remarks>
public interface IDeadLetters
{
    /// <summary>Returns the dead letters matching <paramref name="filter"/>, in the order they were first dead-lettered.</summary>
    ValueTask<IReadOnlyList<DeadLetter>> ListAsync(DeadLetterFilter? filter = null, CancellationToken cancellationToken = default);

    /// <summary>Returns the dead letters of event id or dead-letter id <paramref name="eventId"/>, redriven ones included.</summary>
    /// <remarks>
    /// An event id gives one dead letter per group that dead-lettered the event, and more when different messages reused
    /// the event id (their <see cref="DeadLetter.Id"/>s differ); a dead-letter id gives that letter in each group that has it.
    /// </remarks>
    ValueTask<IReadOnlyList<DeadLetter>> FindAsync(string eventId, CancellationToken cancellationToken = default);

    /// <summary>Sends the pending dead letters matching <paramref name="filter"/> back to their groups, in the order they were first dead-lettered.</summary>
    /// <param name="filter">Which dead letters; use <see cref="DeadLetterFilter.All"/> for every pending one.</param>
    /// <param name="options">Dry run and rate limit.</param>
    /// <param name="cancellationToken">Stops the redrive; dead letters already sent stay redriven.</param>
    /// <returns>The dead letters redriven, or that a dry run would redrive.</returns>
    ValueTask<IReadOnlyList<DeadLetter>> RedriveAsync(DeadLetterFilter filter, RedriveOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes the dead letters matching <paramref name="filter"/>, redriven ones only when the filter includes them.</summary>
    /// <param name="filter">Which dead letters; use <see cref="DeadLetterFilter.All"/> for every pending one.</param>
    /// <param name="dryRun">Returns what would be purged and changes nothing.</param>
    /// <param name="cancellationToken">Cancels the purge.</param>
    /// <returns>The dead letters purged, or that a dry run would purge.</returns>
    ValueTask<IReadOnlyList<DeadLetter>> PurgeAsync(DeadLetterFilter filter, bool dryRun = false, CancellationToken cancellationToken = default);
}

/// <summary>Configures a redrive.</summary>
public sealed record RedriveOptions
{
    /// <summary>Gets whether to only report what would be redriven. Default <see langword="false"/>.</summary>
    public bool DryRun { get; init; }

    /// <summary>Gets the most events sent per second; <see langword="null"/> (default) for no limit.</summary>
    /// <remarks>Keeps a large redrive from flooding a dependency that has only just recovered.</remarks>
    public double? MaxPerSecond { get; init; }
}
