using System.Text.Json.Serialization;
using Herald.Consuming;
using Herald.Events;

namespace Herald.Testing.Tests.Contracts;

// The producer's events, as the orders service publishes them.
[Event("order.created", Version = 2)]
public sealed record OrderCreated(string OrderId, IReadOnlyList<OrderLine> Lines, Customer Customer, decimal Total, string? Note);

public sealed record OrderLine(string Sku, int Quantity);

public sealed record Customer(string Email, [property: JsonPropertyName("display_name")] string? Name);

[Event("order.cancelled")]
public sealed record OrderCancelled(string OrderId, string Reason);

// The shipping consumer's own view of order.created: only what it reads.
[Event("order.created", Version = 2)]
public sealed record ShippingOrderCreated(string OrderId, ShippingLine[] Lines, ShippingCustomer Customer, string? Note);

public sealed record ShippingLine(string Sku, int Quantity);

public sealed record ShippingCustomer(string Email, [property: JsonPropertyName("display_name")] string? Name);

// Shapes for the mapping tests.
public enum Priority
{
    Normal,
    Rush,
}

[Event("parcel.sent", Version = 3)]
public sealed record ParcelSent(
    Guid ParcelId,
    bool Insured,
    double? WeightKg,
    Priority Priority,
    DateTimeOffset SentAt,
    List<List<string>> Labels,
    Dictionary<string, string> Attributes)
{
    [JsonIgnore]
    public string? Internal { get; init; }
}

public sealed record Unmarked(string Id);

/// <summary>Publishes order.cancelled for every order.created, so the harness shows both.</summary>
public sealed class CancelEveryOrder : IEventHandler<OrderCreated>
{
    public async Task HandleAsync(EventContext<OrderCreated> context) =>
        await context.PublishAsync(new OrderCancelled(context.Event.OrderId, "out of stock"));
}

// The orders service after a careless change: 'sku' renamed, 'quantity' sent as a string.
[Event("order.created", Version = 2)]
public sealed record ChangedOrderCreated(string OrderId, IReadOnlyList<ChangedOrderLine> Lines, Customer Customer, decimal Total, string? Note);

public sealed record ChangedOrderLine(string StockKeepingUnit, string Quantity);
