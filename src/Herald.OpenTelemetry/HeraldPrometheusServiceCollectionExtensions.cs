using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Herald.OpenTelemetry;

/// <summary>Serves Herald's metrics to Prometheus from any host, console applications included.</summary>
public static class HeraldPrometheusServiceCollectionExtensions
{
    /// <summary>The port Prometheus exporters listen on by convention.</summary>
    public const int DefaultPort = 9464;

    /// <summary>Serves Herald's metrics as Prometheus text at <c>http://127.0.0.1:<paramref name="port"/>/metrics</c> while the host runs.</summary>
    /// <remarks>
    /// Registers OpenTelemetry's meter provider with <see cref="HeraldMeterProviderBuilderExtensions.AddHerald"/> and the
    /// stand-alone HttpListener exporter; no ASP.NET Core needed. The listener starts with the host and stops with it.
    /// It binds the loopback address only: change <see cref="PrometheusHttpListenerOptions.Host"/> in
    /// <paramref name="configure"/> to expose it (which may need an URL reservation on Windows).
    /// Add other meters with <c>services.AddOpenTelemetry().WithMetrics(m =&gt; m.AddMeter(...))</c>: they share the endpoint.
    /// </remarks>
    /// <param name="services">The application's services.</param>
    /// <param name="port">The TCP port, 1 to 65535. Default: 9464.</param>
    /// <param name="configure">Changes the exporter's options (host, path, name translation); optional.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not from 1 to 65535.</exception>
    public static IServiceCollection AddHeraldPrometheus(this IServiceCollection services, int port = DefaultPort, Action<PrometheusHttpListenerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddHerald()
            .AddPrometheusHttpListener(options =>
            {
                options.Host = "127.0.0.1";
                options.Port = port;
                configure?.Invoke(options);
            }));
        return services;
    }
}
