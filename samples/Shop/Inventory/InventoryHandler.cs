using Herald.Consuming;
using Shop.Events;
using Shop.Statistics;

namespace Shop.Inventory;

[ConsumerGroup(Group)]
internal sealed class InventoryHandler(Stock stock, ShopStatistics statistics) : IEventHandler<OrderCreated>
{
    public const string Group = "inventory";

    public async Task HandleAsync(EventContext<OrderCreated> context)
    {
        var order = context.Event;
        if (stock.TryReserve(order.OrderId, order.Lines, out var shortage))
        {
            await context.PublishAsync(new InventoryReserved(order.OrderId, order.Lines));
            statistics.InventoryReserved(order.OrderId);
        }
        else
        {
            await context.PublishAsync(new InventoryReservationFailed(order.OrderId, shortage));
            statistics.InventoryFailed(order.OrderId);
        }
    }
}
