using System.Globalization;
using Herald.Hosting;
using Herald.Transports;
using Herald.Transports.Embedded;
using Herald.Transports.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herald.HealthChecks.Checks;

/// <summary>Unhealthy when the transport accepts no operation.</summary>
internal sealed class TransportHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var transport = services.GetRequiredService<ITransport>();
        switch (transport)
        {
            case EmbeddedLogTransport embedded:
                return CheckEmbeddedLog(embedded);
            case InMemoryTransport:
                return HealthCheckResult.Healthy("In-memory transport: always accepts events.");
        }

        // A transport Herald does not know: a lag query is the cheapest operation the contract offers that reaches
        // the broker. An exception is the answer; the check service reports it as Unhealthy with the exception.
        var (topic, group) = services.GetHeraldSubscriptions() is [var first, ..] ? first : ("herald.health", "herald.health");
        _ = await transport.GetLagAsync(topic, group, cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy($"{transport.GetType().Name} answered a lag query for group '{group}' on topic '{topic}'.");
    }

    private static HealthCheckResult CheckEmbeddedLog(EmbeddedLogTransport embedded)
    {
        // A partition whose write or fsync failed refuses every append until the application restarts.
        var failed = embedded.Log.Topics
            .SelectMany(topic => topic.Partitions)
            .Where(partition => partition.Failure is not null)
            .Select(partition => string.Create(CultureInfo.InvariantCulture, $"{partition.Topic}-{partition.Id} ({partition.Failure!.Message})"))
            .ToList();
        foreach (var damage in embedded.Log.Damaged)
        {
            failed.Add($"{damage.PartitionName} (damaged: '{damage.FileName}' at byte {damage.Position}; run '{damage.RepairCommand(embedded.Log.Directory)}')");
        }

        return failed.Count == 0
            ? HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"Embedded log in {embedded.Log.Directory}: every partition of {embedded.Log.Topics.Count} topic(s) accepts events."))
            : HealthCheckResult.Unhealthy(string.Create(
                CultureInfo.InvariantCulture,
                $"Embedded log in {embedded.Log.Directory}: {failed.Count} partition(s) failed or damaged and accept no events: {string.Join(", ", failed)}. A failed partition recovers when the application restarts; a damaged one after its repair command."));
    }
}
