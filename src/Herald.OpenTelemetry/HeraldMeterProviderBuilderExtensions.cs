using System.Diagnostics.Metrics;
using Herald.Diagnostics;
using OpenTelemetry.Metrics;

namespace Herald.OpenTelemetry;

/// <summary>Adds Herald's metrics to an OpenTelemetry meter provider.</summary>
public static class HeraldMeterProviderBuilderExtensions
{
    /// <summary>Collects Herald's meter, with duration histograms bucketed for messaging latencies.</summary>
    /// <remarks>
    /// Herald's duration histograms (<c>messaging.process.duration</c>, <c>messaging.client.operation.duration</c>, in
    /// seconds) advise the conventions' buckets, which start at 5 ms; the view replaces them with
    /// <see cref="HeraldMetricsOptions.DurationBuckets"/>, whose lower buckets resolve the sub-millisecond sends and
    /// handlings of the embedded log and the in-memory transport.
    /// </remarks>
    /// <param name="builder">The meter provider builder.</param>
    /// <param name="configure">Changes the bucket boundaries; optional.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">The bucket boundaries are not strictly increasing.</exception>
    public static MeterProviderBuilder AddHerald(this MeterProviderBuilder builder, Action<HeraldMetricsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new HeraldMetricsOptions();
        configure?.Invoke(options);
        var buckets = options.DurationBuckets.ToArray();
        for (var i = 1; i < buckets.Length; i++)
        {
            if (!(buckets[i] > buckets[i - 1]))
            {
                throw new ArgumentException($"HeraldMetricsOptions.DurationBuckets must be strictly increasing; {buckets[i]} follows {buckets[i - 1]}.", nameof(configure));
            }
        }

        return builder
            .AddMeter(HeraldDiagnostics.MeterName)
            .AddView(instrument => IsHeraldDuration(instrument) ? new ExplicitBucketHistogramConfiguration { Boundaries = buckets } : null);
    }

    private static bool IsHeraldDuration(Instrument instrument) =>
        instrument.Meter.Name == HeraldDiagnostics.MeterName
        && instrument.Unit == "s"
        && instrument.GetType() is { IsGenericType: true } type
        && type.GetGenericTypeDefinition() == typeof(Histogram<>);
}
