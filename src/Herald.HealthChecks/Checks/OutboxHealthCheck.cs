using System.Globalization;
using Herald.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herald.HealthChecks.Checks;

/// <summary>Degraded when the oldest undispatched outbox row is older than the threshold or a row is quarantined; unhealthy when the store fails.</summary>
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
            ["quarantined"] = statistics.QuarantinedCount,
        };
        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"Outbox: {statistics.UndispatchedCount} undispatched row(s), the oldest {statistics.OldestUndispatchedAge.TotalSeconds:0.###} s old (threshold {options.MaxOutboxAge.TotalSeconds:0.###} s)");
        // Degraded, not unhealthy: the relay still dispatches every other key, and restarting the process frees nothing.
        if (statistics.QuarantinedCount > 0)
        {
            return HealthCheckResult.Degraded(
                summary + string.Create(CultureInfo.InvariantCulture, $"; {statistics.QuarantinedCount} quarantined row(s) the relay cannot read or publish hold back later rows of their keys: release or discard them (see the relay's error log)"),
                data: data);
        }

        return statistics.OldestUndispatchedAge > options.MaxOutboxAge
            ? HealthCheckResult.Degraded(summary + "; is a relay running?", data: data)
            : HealthCheckResult.Healthy(summary + ".", data);
    }
}
