using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Herald.Consuming;
using Herald.Events;
using Herald.Events.Upcasting;

namespace Herald.Tests.Events.Upcasting;

/// <summary>The current (v3) shape: the total is a money value. v1 had a bare amount in euros; v2 added the currency beside it.</summary>
[Event("test.order-created", Version = 3)]
public sealed record OrderCreated(string OrderId, Money Total);

public sealed record Money(decimal Amount, string Currency);

/// <summary>The v2 shape, a plain record (not an event type): only the typed upcaster reads it.</summary>
public sealed record OrderCreatedWithCurrency(string OrderId, decimal Amount, string Currency);

/// <summary>v1 → v2 at the JSON level: v1 amounts were euros.</summary>
public sealed class AddCurrencyToOrderCreated : IEventUpcaster
{
    public string EventName => "test.order-created";

    public int FromVersion => 1;

    public int ToVersion => 2;

    public JsonObject Upcast(JsonObject data)
    {
        data["currency"] = "EUR";
        return data;
    }
}

/// <summary>v2 → v3 through records: the flat amount and currency become a <see cref="Money"/>.</summary>
public sealed class NestTotalOfOrderCreated() : EventUpcaster<OrderCreatedWithCurrency, OrderCreated>("test.order-created", 2, 3)
{
    protected override OrderCreated Upcast(OrderCreatedWithCurrency data) => new(data.OrderId, new Money(data.Amount, data.Currency));
}

/// <summary>An upcaster for any event and versions, doing what it is told; needs arguments, so assembly scans skip it.</summary>
public sealed class ScriptedUpcaster(string eventName, int fromVersion, int toVersion, Func<JsonObject, JsonObject>? upcast = null) : IEventUpcaster
{
    public string EventName => eventName;

    public int FromVersion => fromVersion;

    public int ToVersion => toVersion;

    public JsonObject Upcast(JsonObject data) => upcast is null ? data : upcast(data);
}

/// <summary>An upcaster that fails on every payload; needs arguments, so assembly scans skip it.</summary>
public sealed class ExplodingUpcaster(string eventName, int fromVersion) : IEventUpcaster
{
    public string EventName => eventName;

    public int FromVersion => fromVersion;

    public int ToVersion => fromVersion + 1;

    public JsonObject Upcast(JsonObject data) => throw new KeyNotFoundException("no 'amount' in this payload");
}

/// <summary>Records each <see cref="OrderCreated"/> handled with the version its envelope says.</summary>
public sealed class OrderCreatedJournal
{
    public ConcurrentQueue<(OrderCreated Event, int EnvelopeVersion)> Handled { get; } = new();
}

public sealed class RecordOrderCreated(OrderCreatedJournal journal) : IEventHandler<OrderCreated>
{
    public Task HandleAsync(EventContext<OrderCreated> context)
    {
        journal.Handled.Enqueue((context.Event, context.Envelope.EventVersion));
        return Task.CompletedTask;
    }
}
