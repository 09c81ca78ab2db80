using Herald.Inbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herald.HealthChecks.Checks;

/// <summary>Unhealthy when the inbox store fails to answer.</summary>
internal sealed class InboxHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<IInboxStore>() is not { } store)
        {
            return HealthCheckResult.Healthy("No inbox store is registered.");
        }

        // The contract's only query without a transaction: a delete bounded by a time before any record, so it
        // reaches the table (and fails when the database or schema does) but removes nothing.
        _ = await store.DeleteOlderThanAsync(DateTimeOffset.UnixEpoch, 1, cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy("Inbox store answered.");
    }
}
