using Herald.Diagnostics;
using Herald.Events;

namespace Shop.Statistics;

/// <summary>Counts failed deliveries; Herald delivers each of them again, so a non-zero count is not lost work.</summary>
internal sealed class HandlerFailureObserver(ShopStatistics statistics) : IEventObserver
{
    public void OnFailed(EventEnvelope envelope, string group, int attempt, Exception exception) => statistics.HandlerFailed();
}
