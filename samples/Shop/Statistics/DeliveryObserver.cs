using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Events;

namespace Shop.Statistics;

/// <summary>Feeds the statistics with what Herald reports about deliveries: failures (each retried unless a dead-lettering
/// follows), duplicates the inboxes skipped, and dead letters.</summary>
internal sealed class DeliveryObserver(ShopStatistics statistics) : IEventObserver
{
    public void OnFailed(EventEnvelope envelope, string group, int attempt, Exception exception) => statistics.HandlerFailed(group, envelope);

    // Every event the shop publishes is keyed by its order id (see HeraldBuilderExtensions).
    public void OnDuplicate(EventEnvelope envelope, string group) => statistics.DuplicateSkipped(envelope.PartitionKey ?? string.Empty);

    public void OnDeadLettered(DeadLetter letter) => statistics.DeadLettered(letter.Group, letter.Envelope);
}
