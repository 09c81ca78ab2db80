namespace Herald.HealthChecks;

/// <summary>Overrides the health thresholds of one consumer group; <see langword="null"/> keeps the default.</summary>
public sealed class HeraldGroupHealthOptions
{
    /// <summary>Gets or sets how many events the group may be behind, summed over its topics and partitions; at least 0.</summary>
    /// <remarks>Default: <see langword="null"/>, for <see cref="HeraldHealthCheckOptions.MaxConsumerLag"/>.</remarks>
    public long? MaxConsumerLag { get; set; }

    /// <summary>Gets or sets how many pending dead letters the group may have; at least 0.</summary>
    /// <remarks>Default: <see langword="null"/>, for <see cref="HeraldHealthCheckOptions.MaxPendingDeadLetters"/>.</remarks>
    public int? MaxPendingDeadLetters { get; set; }
}
