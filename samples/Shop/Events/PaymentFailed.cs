using Herald.Events;

namespace Shop.Events;

[Event("payment.failed")]
internal sealed record PaymentFailed(string OrderId, string CustomerEmail, decimal Amount, string Reason);
