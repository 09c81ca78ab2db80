using Herald.Consuming;
using Shop.Events;
using Shop.Statistics;

namespace Shop.Payment;

[ConsumerGroup(Group)]
internal sealed class PaymentHandler(ShopStatistics statistics) : IEventHandler<OrderCreated>
{
    public const string Group = "payment";

    public async Task HandleAsync(EventContext<OrderCreated> context)
    {
        var order = context.Event;
        if (CardIssuer.TryAuthorize(order.CardToken, out var declineReason))
        {
            await context.PublishAsync(new PaymentCompleted(order.OrderId, order.CustomerEmail, order.Total));
            statistics.PaymentCompleted(order.OrderId);
        }
        else
        {
            await context.PublishAsync(new PaymentFailed(order.OrderId, order.CustomerEmail, order.Total, declineReason));
            statistics.PaymentFailed(order.OrderId);
        }
    }
}
