using System.Globalization;
using Herald.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herald.HealthChecks.Checks;

/// <summary>Degraded when the oldest undispatched outbox row is older than the threshold; unhealthy when the store fails.</summary>
internal sealed class OutboxHealthCheck(IServiceProvider services, HeraldHealthCheckOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<IOutboxStore>() is not { } store)
        {
            return HealthCheckResult.Healthy("No outbox store is registered.");
        }

        var statistics = await store.GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["undispatched"] = statistics.UndispatchedCount,
            ["oldest-age-seconds"] = statistics.OldestUndispatchedAge.TotalSeconds,
        };
        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"Outbox: {statistics.UndispatchedCount} undispatched row(s), the oldest {statistics.OldestUndispatchedAge.TotalSeconds:0.###} s old (threshold {options.MaxOutboxAge.TotalSeconds:0.###} s)");
        return statistics.OldestUndispatchedAge > options.MaxOutboxAge
            ? HealthCheckResult.Degraded(summary + "; is a relay running?", data: data)
            : HealthCheckResult.Healthy(summary + ".", data);
    }
}
