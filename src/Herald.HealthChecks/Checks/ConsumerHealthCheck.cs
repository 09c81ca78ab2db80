using System.Globalization;
using Herald.DeadLetters;
using Herald.Hosting;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herald.HealthChecks.Checks;

/// <summary>Degraded when a consumer group's lag or pending dead letters exceed their thresholds; unhealthy when a group's
/// dead-letter queue is full of pending letters (<see cref="DeadLetterOptions.MaxLettersPerGroup"/>), which stops it.</summary>
internal sealed class ConsumerHealthCheck(IServiceProvider services, HeraldHealthCheckOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var transport = services.GetRequiredService<ITransport>();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var problems = new List<string>();
        var stopped = new List<string>();
        var cap = services.GetRequiredService<HeraldOptions>().DeadLetters.MaxLettersPerGroup;
        var lags = await LagPerGroupAsync(transport, cancellationToken).ConfigureAwait(false);
        foreach (var (group, (total, byTopic)) in lags)
        {
            data[$"lag:{group}"] = total;
            var max = options.MaxConsumerLagOf(group);
            if (total > max)
            {
                var topics = string.Join(", ", byTopic.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key} {t.Value}")));
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"consumer group '{group}' is {total} event(s) behind (threshold {max}; {topics})"));
            }
        }

        var letters = await services.GetRequiredService<IDeadLetterStore>().GetAllAsync(cancellationToken).ConfigureAwait(false);
        foreach (var byGroup in letters.Where(l => l.Status == DeadLetterStatus.Pending).GroupBy(l => l.Group, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var count = byGroup.Count();
            data[$"dead-letters:{byGroup.Key}"] = count;
            var max = options.MaxPendingDeadLettersOf(byGroup.Key);
            if (count >= cap)
            {
                // Not only many: the next event the group gives up on cannot be dead-lettered, so its partition waits.
                stopped.Add(string.Create(CultureInfo.InvariantCulture, $"consumer group '{byGroup.Key}' has {count} pending dead letter(s), the cap (DeadLetterOptions.MaxLettersPerGroup): an event it gives up on now stops its partition until dead letters are redriven or purged"));
            }
            else if (count > max)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"consumer group '{byGroup.Key}' has {count} pending dead letter(s) (threshold {max})"));
            }
        }

        if (stopped.Count > 0)
        {
            return HealthCheckResult.Unhealthy(string.Join("; ", stopped.Concat(problems)) + ".", data: data);
        }

        return problems.Count == 0
            ? HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"{lags.Count} consumer group(s) within their lag and dead-letter thresholds."), data)
            : HealthCheckResult.Degraded(string.Join("; ", problems) + ".", data: data);
    }

    /// <returns>Per group, in name order: its lag summed over topics and partitions, and its lag per topic.</returns>
    private async Task<SortedDictionary<string, (long Total, SortedDictionary<string, long> ByTopic)>> LagPerGroupAsync(ITransport transport, CancellationToken cancellationToken)
    {
        var lags = new SortedDictionary<string, (long Total, SortedDictionary<string, long> ByTopic)>(StringComparer.Ordinal);
        foreach (var (topic, group) in services.GetHeraldSubscriptions())
        {
            // Null: the transport cannot tell; such a group is judged on its dead letters only.
            if (await transport.GetLagAsync(topic, group, cancellationToken).ConfigureAwait(false) is not { } partitions)
            {
                continue;
            }

            var lag = partitions.Sum(p => p.Lag);
            var (total, byTopic) = lags.TryGetValue(group, out var entry) ? entry : (0L, new SortedDictionary<string, long>(StringComparer.Ordinal));
            byTopic[topic] = lag;
            lags[group] = (total + lag, byTopic);
        }

        return lags;
    }
}
