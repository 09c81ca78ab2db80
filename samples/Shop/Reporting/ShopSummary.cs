using System.Text.Json.Serialization;
using Shop.Statistics;

namespace Shop.Reporting;

/// <summary>The result of a run, as printed in the table and the JSON line.</summary>
/// <remarks>
/// <see cref="DataDirectory"/> is the embedded log's data directory as a full path, or null for a transport that keeps
/// nothing. <see cref="EarlierRunEvents"/> counts the events about earlier runs' orders that this run handled; the
/// other counters cover this run's orders only. <see cref="PaymentsCharged"/> is read from the <c>charges</c> table at the
/// end: the orders of this run with a charge, which a duplicate delivery would have inflated. <see cref="Retries"/> counts
/// the handler failures Herald retried; <see cref="DeadLettered"/> the events it dead-lettered during the run (each
/// has one dead-letter entry per consumer group that gave up on it). <see cref="DamagedPartitions"/> lists the embedded
/// log's damaged partitions (empty on a healthy log), and <see cref="EventsHeld"/> the events, of any run, that wait in
/// the outbox for one of them to be repaired. <see cref="Service"/> and <see cref="Run"/> are set for one service run as a
/// process of its own (its counters are those of its own tables, the others 0) and for the sum of the four (no service);
/// the JSON line leaves them out otherwise.
/// </remarks>
internal sealed record ShopSummary(
    RunOutcome Status,
    string Transport,
    string? DataDirectory,
    long Orders,
    long PaymentsCompleted,
    long PaymentsFailed,
    long InventoryReserved,
    long InventoryFailed,
    long NotificationsSent,
    long EarlierRunEvents,
    long HandlerFailures,
    long Retries,
    long DuplicatesInjected,
    long DuplicatesSkipped,
    long PaymentsCharged,
    long DeadLettered,
    double ElapsedSeconds,
    double OrdersPerSecond,
    IReadOnlyList<DamagedPartition> DamagedPartitions,
    long EventsHeld,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Service = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Run = null)
{
    public static ShopSummary Create(
        RunOutcome status,
        string transport,
        string? dataDirectory,
        ShopSnapshot counters,
        long paymentsCharged,
        TimeSpan elapsed,
        IReadOnlyList<DamagedPartition> damagedPartitions,
        long eventsHeld) => new(
        status,
        transport,
        dataDirectory,
        counters.OrdersPublished,
        counters.PaymentsCompleted,
        counters.PaymentsFailed,
        counters.InventoryReserved,
        counters.InventoryFailed,
        counters.NotificationsSent,
        counters.EarlierRunEvents,
        counters.HandlerFailures,
        counters.Retries,
        counters.DuplicatesInjected,
        counters.DuplicatesSkipped,
        paymentsCharged,
        counters.DeadLettered,
        Math.Round(elapsed.TotalSeconds, 3),
        elapsed > TimeSpan.Zero ? Math.Round(counters.OrdersPublished / elapsed.TotalSeconds, 1) : 0,
        damagedPartitions,
        eventsHeld);
}
