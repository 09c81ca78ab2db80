namespace Herald.Outbox;

/// <summary>Configures the outbox relay: how it claims, sends and cleans up outbox rows.</summary>
public sealed class OutboxOptions
{
    /// <summary>Gets or sets the most rows claimed, and deleted by cleanup, per round trip. Default 100; 1 to 10,000.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Gets or sets how long the relay waits when a claim returns nothing. Default 1 second; positive, at most 1 hour.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long claimed rows stay reserved for this relay. Default 30 seconds; positive, at most 1 day.</summary>
    /// <remarks>
    /// A relay that dies, or fails to send, leaves its rows to be claimed again after the lease, so
    /// this is also the delay before a failed send is retried. Keep it well above the time a batch takes to send.
    /// </remarks>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long dispatched rows are kept before cleanup deletes them. Default 1 hour; 0 or more.</summary>
    public TimeSpan DispatchedRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets how often the relay deletes dispatched rows older than <see cref="DispatchedRetention"/>. Default 1 minute; positive.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the id this relay claims rows under; unique per running relay. Default: machine name, process id and a new GUID.</summary>
    public string RelayId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public void Validate()
    {
        if (BatchSize is < 1 or > 10_000)
        {
            throw new ArgumentException($"OutboxOptions.BatchSize {BatchSize} is out of range: use 1 to 10,000.", nameof(BatchSize));
        }

        if (PollInterval <= TimeSpan.Zero || PollInterval > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"OutboxOptions.PollInterval {PollInterval} is out of range: use more than 0 and at most 1 hour.", nameof(PollInterval));
        }

        if (Lease <= TimeSpan.Zero || Lease > TimeSpan.FromDays(1))
        {
            throw new ArgumentException($"OutboxOptions.Lease {Lease} is out of range: use more than 0 and at most 1 day.", nameof(Lease));
        }

        if (DispatchedRetention < TimeSpan.Zero)
        {
            throw new ArgumentException($"OutboxOptions.DispatchedRetention {DispatchedRetention} is negative: use 0 or more.", nameof(DispatchedRetention));
        }

        if (CleanupInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"OutboxOptions.CleanupInterval {CleanupInterval} is out of range: use more than 0.", nameof(CleanupInterval));
        }

        if (string.IsNullOrWhiteSpace(RelayId))
        {
            throw new ArgumentException("OutboxOptions.RelayId is empty: leave the default or set an id unique to this relay.", nameof(RelayId));
        }
    }
}
