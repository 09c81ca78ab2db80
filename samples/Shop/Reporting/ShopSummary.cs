using Shop.Statistics;

namespace Shop.Reporting;

/// <summary>The result of a run, as printed in the table and the JSON line.</summary>
/// <remarks>
/// <see cref="DataDirectory"/> is the embedded log's data directory as a full path, or null for a transport that keeps
/// nothing. <see cref="EarlierRunEvents"/> counts the events about earlier runs' orders that this run handled; the
/// other counters cover this run's orders only.
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
    double ElapsedSeconds,
    double OrdersPerSecond)
{
    public static ShopSummary Create(RunOutcome status, string transport, string? dataDirectory, ShopSnapshot counters, TimeSpan elapsed) => new(
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
        Math.Round(elapsed.TotalSeconds, 3),
        elapsed > TimeSpan.Zero ? Math.Round(counters.OrdersPublished / elapsed.TotalSeconds, 1) : 0);
}
