namespace Shop.Statistics;

/// <summary>The shop's counters at one moment.</summary>
internal readonly record struct ShopSnapshot(
    long OrdersPublished,
    long PaymentsCompleted,
    long PaymentsFailed,
    long InventoryReserved,
    long InventoryFailed,
    long NotificationsSent,
    long HandlerFailures)
{
    public long PaymentsHandled => PaymentsCompleted + PaymentsFailed;

    public long InventoryHandled => InventoryReserved + InventoryFailed;

    /// <summary>Returns whether payment and inventory handled <paramref name="orders"/> orders and every payment outcome was notified.</summary>
    public bool HasHandled(long orders) =>
        PaymentsHandled >= orders && InventoryHandled >= orders && NotificationsSent >= orders;

    /// <summary>Describes, per consumer group, how far it got towards <paramref name="orders"/>.</summary>
    public string DescribeProgress(long orders) =>
        $"payment {PaymentsHandled}/{orders}, inventory {InventoryHandled}/{orders}, notification {NotificationsSent}/{orders}";
}
