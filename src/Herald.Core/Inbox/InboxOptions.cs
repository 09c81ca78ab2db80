namespace Herald.Inbox;

/// <summary>How long the inbox remembers handled events, and how it forgets them.</summary>
public sealed class InboxOptions
{
    /// <summary>
    /// Gets or sets how long a handled event is remembered. Default 14 days: longer than any redelivery delay, and long
    /// enough to redrive dead letters of the past week without handling them twice.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Gets or sets how often records older than <see cref="Retention"/> are deleted. Default 1 hour.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets how many records one cleanup transaction deletes, so it never blocks handlers for long. Default 1,000.</summary>
    public int CleanupBatchSize { get; set; } = 1000;

    /// <summary>Checks the options, naming what is wrong.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (Retention < TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException($"InboxOptions.Retention {Retention} is too short: keep records at least a minute, and longer than any redelivery or redrive.", nameof(Retention));
        }

        if (CleanupInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"InboxOptions.CleanupInterval {CleanupInterval} is out of range: use more than 0.", nameof(CleanupInterval));
        }

        if (CleanupBatchSize is < 1 or > 100_000)
        {
            throw new ArgumentException($"InboxOptions.CleanupBatchSize {CleanupBatchSize} is out of range: use 1 to 100,000.", nameof(CleanupBatchSize));
        }
    }
}
