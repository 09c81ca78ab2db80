using Herald.Consuming;
using Herald.Events;

namespace Herald.Tests.Diagnostics;

// Every test has topics of its own: meters and activity sources are process-wide, and other tests run alongside.

[Event("diag.metered")]
public sealed record Metered(int Number);

[Event("diag.sequenced")]
public sealed record Sequenced(string Key);

[Event("diag.lagged")]
public sealed record Lagged(int Number);

[Event("diag.failing")]
public sealed record Failing(int Number);

[Event("diag.retried")]
public sealed record Retried(int Number);

[Event("diag.broken")]
public sealed record Broken(int Number);

[Event("diag.order-created")]
public sealed record ChainOrderCreated(string OrderId);

[Event("diag.payment-requested")]
public sealed record ChainPaymentRequested(string OrderId);

[Event("diag.notification-requested")]
public sealed record ChainNotificationRequested(string OrderId);

[Event("diag.trace-failing")]
public sealed record TraceFailing(int Number);

[Event("diag.scoped")]
public sealed record Scoped(int Number);

public sealed class IgnoreHandler<T> : IEventHandler<T>
    where T : notnull
{
    public Task HandleAsync(EventContext<T> context) => Task.CompletedTask;
}

public sealed class ThrowHandler<T> : IEventHandler<T>
    where T : notnull
{
    public Task HandleAsync(EventContext<T> context) => throw new InvalidOperationException("handler down");
}

public sealed class OrderCreatedHandler : IEventHandler<ChainOrderCreated>
{
    public async Task HandleAsync(EventContext<ChainOrderCreated> context) =>
        await context.PublishAsync(new ChainPaymentRequested(context.Event.OrderId));
}

public sealed class PaymentRequestedHandler(Herald.Publishing.IEventPublisher publisher) : IEventHandler<ChainPaymentRequested>
{
    public async Task HandleAsync(EventContext<ChainPaymentRequested> context) =>
        await publisher.PublishAsync(new ChainNotificationRequested(context.Event.OrderId));
}
