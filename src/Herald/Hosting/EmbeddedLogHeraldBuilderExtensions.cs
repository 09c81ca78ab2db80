using System.Diagnostics.Metrics;
using Herald.Diagnostics;
using Herald.Transports.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Hosting;

/// <summary>Chooses the embedded log as Herald's transport.</summary>
public static class EmbeddedLogHeraldBuilderExtensions
{
    /// <summary>
    /// Uses the embedded log, Herald's default when no transport is chosen: durable, partitioned and replayable, in a local
    /// data directory (<c>herald-data</c> unless <paramref name="configure"/> says otherwise).
    /// </summary>
    public static HeraldBuilder UseEmbeddedLog(this HeraldBuilder builder, Action<EmbeddedLogTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new EmbeddedLogTransportOptions();
        configure?.Invoke(options);
        return builder.UseTransport(sp => Create(sp, options));
    }

    /// <summary>Opens the log with the container's clock, logger and limits, and adds its gauge to Herald's meter.</summary>
    internal static EmbeddedLogTransport Create(IServiceProvider services, EmbeddedLogTransportOptions options)
    {
        var transport = new EmbeddedLogTransport(
            options, services.GetService<TimeProvider>(), services.GetService<ILogger<EmbeddedLogTransport>>(), services.GetService<HeraldOptions>()?.Limits);

        // The factory hands out the one meter of that name and version in the container, the one Herald's own instruments are on.
        if (services.GetService<IMeterFactory>() is { } meters)
        {
            var meter = meters.Create(new MeterOptions(HeraldDiagnostics.MeterName) { Version = HeraldDiagnostics.Version });
            KeyValuePair<string, object?>[] system = [new("messaging.system", transport.MessagingSystem)];
            meter.CreateObservableGauge(
                "herald.log.partitions.damaged", () => new Measurement<int>(transport.Log.Damaged.Count, system), "{partition}",
                "Partitions (or whole topics) of the embedded log that damage keeps from serving until 'herald log repair'.");
        }

        return transport;
    }
}
