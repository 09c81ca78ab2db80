using Herald.Events;

namespace Shop.Events;

[Event("payment.completed")]
internal sealed record PaymentCompleted(string OrderId, string CustomerEmail, decimal Amount);
