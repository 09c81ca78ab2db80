using System.Diagnostics;
using System.Reflection;

namespace Herald.Diagnostics;

/// <summary>Names the meter and the activity source Herald reports through, for telemetry pipelines to subscribe to.</summary>
/// <remarks>
/// Instruments and spans follow the OpenTelemetry semantic conventions for messaging (1.37.0); docs/observability/metrics.md
/// lists them. Subscribe with <c>AddMeter(HeraldDiagnostics.MeterName)</c> and <c>AddSource(HeraldDiagnostics.ActivitySourceName)</c>.
/// </remarks>
public static class HeraldDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> Herald's instruments belong to.</summary>
    public const string MeterName = "Herald";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> Herald's spans come from.</summary>
    public const string ActivitySourceName = "Herald";

    /// <summary>Gets the version the meter and the activity source report: Herald's informational version.</summary>
    public static string Version { get; } =
        typeof(HeraldDiagnostics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    // Static, as the norm for activity sources: listeners subscribe by name, whatever the container.
    internal static ActivitySource Source { get; } = new(ActivitySourceName, Version);
}
