namespace Herald.OpenTelemetry;

/// <summary>Configures how <see cref="HeraldMeterProviderBuilderExtensions.AddHerald"/> aggregates Herald's instruments.</summary>
public sealed class HeraldMetricsOptions
{
    /// <summary>Gets the default bucket boundaries of Herald's duration histograms, in seconds.</summary>
    /// <remarks>The messaging conventions' recommendation (5 ms to 10 s), extended down to 0.5 ms: an in-memory or
    /// embedded-log send and a fast handler take well under 5 ms, and without the lower buckets their p50 and p99
    /// would both read as "under 5 ms".</remarks>
    public static IReadOnlyList<double> DefaultDurationBuckets { get; } =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>Gets or sets the bucket boundaries, in seconds, of every Herald histogram measured in seconds.</summary>
    /// <remarks>Default: <see cref="DefaultDurationBuckets"/>. Strictly increasing; empty keeps only count and sum.</remarks>
    public IReadOnlyList<double> DurationBuckets { get; set; } = DefaultDurationBuckets;
}
