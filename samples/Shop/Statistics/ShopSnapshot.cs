using System.Globalization;

namespace Shop.Statistics;

/// <summary>The shop's counters at one moment; <see cref="EarlierRunEvents"/> counts events about orders of earlier runs,
/// which no other counter includes.</summary>
internal readonly record struct ShopSnapshot(
    long OrdersPublished,
    long PaymentsCompleted,
    long PaymentsFailed,
    long InventoryReserved,
    long InventoryFailed,
    long NotificationsSent,
    long HandlerFailures,
    long EarlierRunEvents)
{
    public long PaymentsHandled => PaymentsCompleted + PaymentsFailed;

    public long InventoryHandled => InventoryReserved + InventoryFailed;

    /// <summary>Returns whether payment and inventory handled <paramref name="orders"/> orders, every payment outcome was
    /// notified, and <paramref name="earlierRunEvents"/> events of earlier runs were handled.</summary>
    public bool HasHandled(long orders, long earlierRunEvents = 0) =>
        PaymentsHandled >= orders && InventoryHandled >= orders && NotificationsSent >= orders && EarlierRunEvents >= earlierRunEvents;

    /// <summary>Describes, per consumer group, how far it got towards <paramref name="orders"/>, and how far the
    /// earlier runs' leftovers got towards <paramref name="earlierRunEvents"/>.</summary>
    public string DescribeProgress(long orders, long earlierRunEvents = 0) => string.Create(
        CultureInfo.InvariantCulture,
        $"payment {PaymentsHandled}/{orders}, inventory {InventoryHandled}/{orders}, notification {NotificationsSent}/{orders}, earlier runs' events {EarlierRunEvents}/{earlierRunEvents}");
}
