using Herald.Diagnostics;
using OpenTelemetry.Trace;

namespace Herald.OpenTelemetry;

/// <summary>Adds Herald's spans to an OpenTelemetry tracer provider.</summary>
public static class HeraldTracerProviderBuilderExtensions
{
    /// <summary>Collects Herald's activity source: <c>send &lt;topic&gt;</c> and <c>process &lt;topic&gt;</c> spans.</summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <returns>The builder, for chaining.</returns>
    public static TracerProviderBuilder AddHerald(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(HeraldDiagnostics.ActivitySourceName);
    }
}
