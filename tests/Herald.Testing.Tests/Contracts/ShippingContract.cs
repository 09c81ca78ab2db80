using Herald.Events;
using Herald.Testing.Contracts;

namespace Herald.Testing.Tests.Contracts;

/// <summary>The shipping consumer's contract, as its own test would declare it.</summary>
public static class ShippingContract
{
    public static ConsumerContract Build() => ConsumerContract.For("shipping")
        .Expects<ShippingOrderCreated>(e => e.OrderId, e => e.Lines[0].Sku, e => e.Lines[0].Quantity, e => e.Customer.Email, e => e.Note)
        .ExpectsField("order.cancelled", 1, "reason", ContractFieldKind.String);

    /// <summary>The orders service's sample order, which every consumer contract must accept.</summary>
    public static OrderCreated SampleOrder() =>
        new("o-1", [new OrderLine("sku-1", 2), new OrderLine("sku-2", 1)], new Customer("ada@example.com", "Ada"), 30m, Note: null);

    public static EventEnvelope Envelope(string type, int version, string json) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        EventType = type,
        EventVersion = version,
        Timestamp = DateTimeOffset.UnixEpoch,
        Source = "orders",
        CorrelationId = "c-1",
        Data = System.Text.Encoding.UTF8.GetBytes(json),
    };
}
