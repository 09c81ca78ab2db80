using Herald.Events;

namespace Shop.Events;

// Carries the whole order so that payment, inventory and notification never call back the order service.
[Event("order.created")]
internal sealed record OrderCreated(
    string OrderId,
    string CustomerId,
    string CustomerEmail,
    IReadOnlyList<OrderLine> Lines,
    decimal Total,
    string CardToken);
