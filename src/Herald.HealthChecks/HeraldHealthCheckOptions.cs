namespace Herald.HealthChecks;

/// <summary>Sets when Herald's health checks report <c>Degraded</c>.</summary>
/// <remarks>A value over its threshold degrades; a value equal to it does not. <see cref="Groups"/> overrides the
/// consumer thresholds for one group.</remarks>
public sealed class HeraldHealthCheckOptions
{
    /// <summary>Gets or sets how many events a consumer group may be behind, summed over its topics and partitions.</summary>
    /// <remarks>Default: 1,000. At least 0.</remarks>
    public long MaxConsumerLag { get; set; } = 1_000;

    /// <summary>Gets or sets how many pending dead letters a consumer group may have.</summary>
    /// <remarks>Default: 0: any dead letter waiting for an operator degrades. At least 0.</remarks>
    public int MaxPendingDeadLetters { get; set; }

    /// <summary>Gets or sets how old the oldest undispatched outbox row may be.</summary>
    /// <remarks>Default: 1 minute. Positive. A relay that keeps up dispatches rows within its poll interval.</remarks>
    public TimeSpan MaxOutboxAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets the thresholds of individual consumer groups, by group name (ordinal); unset ones fall back to the defaults above.</summary>
    public IDictionary<string, HeraldGroupHealthOptions> Groups { get; } = new Dictionary<string, HeraldGroupHealthOptions>(StringComparer.Ordinal);

    internal long MaxConsumerLagOf(string group) =>
        Groups.TryGetValue(group, out var options) && options.MaxConsumerLag is { } max ? max : MaxConsumerLag;

    internal int MaxPendingDeadLettersOf(string group) =>
        Groups.TryGetValue(group, out var options) && options.MaxPendingDeadLetters is { } max ? max : MaxPendingDeadLetters;

    /// <exception cref="ArgumentException">A threshold is out of range; the message names it.</exception>
    internal void Validate()
    {
        if (MaxConsumerLag < 0 || MaxPendingDeadLetters < 0 || MaxOutboxAge <= TimeSpan.Zero)
        {
            throw new ArgumentException(
                $"HeraldHealthCheckOptions: MaxConsumerLag ({MaxConsumerLag}) and MaxPendingDeadLetters ({MaxPendingDeadLetters}) must be at least 0, MaxOutboxAge ({MaxOutboxAge}) positive.");
        }

        foreach (var (group, options) in Groups)
        {
            if (options is null || options.MaxConsumerLag < 0 || options.MaxPendingDeadLetters < 0)
            {
                throw new ArgumentException($"HeraldHealthCheckOptions.Groups['{group}']: thresholds must be at least 0.");
            }
        }
    }
}
