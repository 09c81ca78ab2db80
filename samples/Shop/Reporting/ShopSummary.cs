using Shop.Statistics;

namespace Shop.Reporting;

/// <summary>The result of a run, as printed in the table and the JSON line.</summary>
internal sealed record ShopSummary(
    RunOutcome Status,
    string Transport,
    long Orders,
    long PaymentsCompleted,
    long PaymentsFailed,
    long InventoryReserved,
    long InventoryFailed,
    long NotificationsSent,
    long HandlerFailures,
    double ElapsedSeconds,
    double OrdersPerSecond)
{
    public static ShopSummary Create(RunOutcome status, string transport, ShopSnapshot counters, TimeSpan elapsed) => new(
        status,
        transport,
        counters.OrdersPublished,
        counters.PaymentsCompleted,
        counters.PaymentsFailed,
        counters.InventoryReserved,
        counters.InventoryFailed,
        counters.NotificationsSent,
        counters.HandlerFailures,
        Math.Round(elapsed.TotalSeconds, 3),
        elapsed > TimeSpan.Zero ? Math.Round(counters.OrdersPublished / elapsed.TotalSeconds, 1) : 0);
}
