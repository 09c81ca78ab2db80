using Herald.Hosting;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herald.HealthChecks.Checks;

/// <summary>Unhealthy when the transport accepts no operation.</summary>
internal sealed class TransportHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var transport = services.GetRequiredService<ITransport>();
        if (transport is ITransportHealth health)
        {
            var answer = health.CheckHealth();
            return answer.IsHealthy ? HealthCheckResult.Healthy(answer.Description) : HealthCheckResult.Unhealthy(answer.Description);
        }

        // A transport that cannot tell by itself: a lag query is the cheapest operation the contract offers that reaches
        // the broker. An exception is the answer; the check service reports it as Unhealthy with the exception.
        var (topic, group) = services.GetHeraldSubscriptions() is [var first, ..] ? first : ("herald.health", "herald.health");
        _ = await transport.GetLagAsync(topic, group, cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy($"{transport.GetType().Name} answered a lag query for group '{group}' on topic '{topic}'.");
    }
}
