using Herald.Hosting;

namespace Shop.Events;

internal static class HeraldBuilderExtensions
{
    /// <summary>Registers the shop's events, each keyed by its order id.</summary>
    /// <remarks>
    /// One key per order puts all events of an order in one partition, so each group sees them in
    /// publish order. The inventory events have no handler in this process; without this
    /// registration publishing them would fail.
    /// </remarks>
    public static HeraldBuilder AddShopEvents(this HeraldBuilder herald) =>
        herald
            .AddEvent<OrderCreated>(e => e.PartitionKey(order => order.OrderId))
            .AddEvent<PaymentCompleted>(e => e.PartitionKey(payment => payment.OrderId))
            .AddEvent<PaymentFailed>(e => e.PartitionKey(payment => payment.OrderId))
            .AddEvent<InventoryReserved>(e => e.PartitionKey(reservation => reservation.OrderId))
            .AddEvent<InventoryReservationFailed>(e => e.PartitionKey(reservation => reservation.OrderId));
}
