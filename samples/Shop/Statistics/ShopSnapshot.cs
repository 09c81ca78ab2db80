using System.Globalization;

namespace Shop.Statistics;

/// <summary>The shop's counters at one moment; <see cref="EarlierRunEvents"/> counts events about orders of earlier runs,
/// which no other counter includes.</summary>
/// <remarks><see cref="HandlerFailures"/> counts every failed handler call; <see cref="Retries"/> those of them Herald
/// retried, that is all but the failures of events it finally dead-lettered. <see cref="DeadLettered"/> counts events,
/// <see cref="DeadLetterEntries"/> the entries they made: one per consumer group that gave up on the event.</remarks>
internal readonly record struct ShopSnapshot(
    long OrdersPublished,
    long PaymentsCompleted,
    long PaymentsFailed,
    long InventoryReserved,
    long InventoryFailed,
    long NotificationsSent,
    long HandlerFailures,
    long EarlierRunEvents,
    long Retries = 0,
    long DuplicatesInjected = 0,
    long DuplicatesSkipped = 0,
    long DeadLettered = 0,
    long DeadLetterEntries = 0)
{
    public long PaymentsHandled => PaymentsCompleted + PaymentsFailed;

    public long InventoryHandled => InventoryReserved + InventoryFailed;

    /// <summary>Returns whether the snapshot has reached <paramref name="expected"/>: payment and inventory handled its
    /// orders, every payment outcome was notified, and the earlier runs' events, skipped duplicates and dead-letter
    /// entries reached their counts.</summary>
    public bool HasHandled(ShopWork expected) =>
        PaymentsHandled >= expected.Orders
        && InventoryHandled >= expected.Orders
        && NotificationsSent >= expected.Orders
        && EarlierRunEvents >= expected.EarlierRunEvents
        && DuplicatesSkipped >= expected.DuplicatesSkipped
        && DeadLetterEntries >= expected.DeadLetterEntries;

    /// <summary>Describes, per consumer group, how far it got towards <paramref name="expected"/>.</summary>
    public string DescribeProgress(ShopWork expected) => string.Create(
        CultureInfo.InvariantCulture,
        $"payment {PaymentsHandled}/{expected.Orders}, inventory {InventoryHandled}/{expected.Orders}, notification {NotificationsSent}/{expected.Orders}, " +
        $"earlier runs' events {EarlierRunEvents}/{expected.EarlierRunEvents}, duplicates skipped {DuplicatesSkipped}/{expected.DuplicatesSkipped}, " +
        $"dead-letter entries {DeadLetterEntries}/{expected.DeadLetterEntries}");
}
