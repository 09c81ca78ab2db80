using Herald.Consuming;
using Herald.Events;

namespace ReadmeSnippets;

[Event("order.created")]
public sealed record OrderCreated(Guid OrderId, string CustomerEmail, decimal Total);

[Event("payment.completed")]
public sealed record PaymentCompleted(Guid OrderId);

public interface IPaymentGateway
{
    Task ChargeAsync(Guid orderId, decimal amount, CancellationToken cancellationToken);
}

[ConsumerGroup("payment")]
public sealed class ChargeCard(IPaymentGateway gateway) : IEventHandler<OrderCreated>
{
    public async Task HandleAsync(EventContext<OrderCreated> context)
    {
        await gateway.ChargeAsync(context.Event.OrderId, context.Event.Total, context.CancellationToken);
        await context.PublishAsync(new PaymentCompleted(context.Event.OrderId)); // correlated and caused by the order
    }
}
