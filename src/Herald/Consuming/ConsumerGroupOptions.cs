namespace Herald.Consuming;

/// <summary>Configures how one consumer group consumes.</summary>
public sealed class ConsumerGroupOptions
{
    /// <summary>Gets or sets how many competing members the group runs in this process, per topic. Default 1, from 1 to 64.</summary>
    /// <remarks>Members share the topic's partitions; each member handles its events one at a time.</remarks>
    public int Members { get; set; } = 1;

    /// <summary>Gets or sets how many deliveries a member takes from the transport at once. Default 256, from 1 to 10,000.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>Gets or sets when the group acknowledges an event to the transport. Default <see cref="AcknowledgementMode.AtLeastOnce"/>.</summary>
    public AcknowledgementMode Acknowledgement { get; set; } = AcknowledgementMode.AtLeastOnce;

    /// <summary>
    /// Gets or sets how many times a failed handler is called again at once, before the event is delivered again after
    /// <see cref="RedeliveryDelay"/>. Default 0, from 0 to 10. Immediate retries ride out blips (a lost connection, a
    /// deadlock victim) without making the partition wait.
    /// </summary>
    public int ImmediateRetries { get; set; }

    /// <summary>
    /// Gets or sets the group's circuit breaker: after repeated handler failures the group stops fetching for a while,
    /// then probes with one event. Default <see langword="null"/>: no breaker.
    /// </summary>
    public CircuitBreakerOptions? CircuitBreaker { get; set; }

    /// <summary>Gets or sets the wait before a failed event is delivered again; it doubles per attempt. Default 1 s.</summary>
    /// <remarks>While it waits, later events of the same partition wait too, so per-key order holds.</remarks>
    public TimeSpan RedeliveryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest wait before a failed event is delivered again. Default 1 min.</summary>
    public TimeSpan MaxRedeliveryDelay { get; set; } = TimeSpan.FromMinutes(1);

    internal void Validate(string group)
    {
        if (Members is < 1 or > 64)
        {
            throw new InvalidOperationException($"Consumer group '{group}': Members is {Members}; it must be from 1 to 64.");
        }

        if (BatchSize is < 1 or > 10_000)
        {
            throw new InvalidOperationException($"Consumer group '{group}': BatchSize is {BatchSize}; it must be from 1 to 10,000.");
        }

        if (ImmediateRetries is < 0 or > 10)
        {
            throw new InvalidOperationException($"Consumer group '{group}': ImmediateRetries is {ImmediateRetries}; it must be from 0 to 10.");
        }

        if (!Enum.IsDefined(Acknowledgement))
        {
            throw new InvalidOperationException($"Consumer group '{group}': Acknowledgement {Acknowledgement} is not a defined mode.");
        }

        CircuitBreaker?.Validate(group);
        if (RedeliveryDelay < TimeSpan.Zero || MaxRedeliveryDelay < RedeliveryDelay)
        {
            throw new InvalidOperationException(
                $"Consumer group '{group}': RedeliveryDelay ({RedeliveryDelay}) must be ≥ 0 and ≤ MaxRedeliveryDelay ({MaxRedeliveryDelay}).");
        }
    }

    internal TimeSpan DelayFor(int attempt)
    {
        var factor = Math.Pow(2, Math.Min(attempt - 1, 30));
        var delay = RedeliveryDelay * factor;
        return delay > MaxRedeliveryDelay ? MaxRedeliveryDelay : delay;
    }
}
