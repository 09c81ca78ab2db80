using System.Collections.Concurrent;
using Herald.Consuming;

namespace Herald.Tests.Consuming;

/// <summary>Records what handlers saw, shared by the handler instances of one test.</summary>
public sealed class Journal
{
    public ConcurrentQueue<(string Group, object Event, int Attempt)> Entries { get; } = new();

    /// <summary>Gets how many times each order id fails before it succeeds.</summary>
    public ConcurrentDictionary<string, int> FailuresLeft { get; } = new();

    public void Record<T>(EventContext<T> context) where T : notnull =>
        Entries.Enqueue((context.ConsumerGroup, context.Event, context.Attempt));
}

public sealed class RecordingPlacedHandler(Journal journal) : IEventHandler<OrderPlaced>
{
    public Task HandleAsync(EventContext<OrderPlaced> context)
    {
        if (journal.FailuresLeft.TryGetValue(context.Event.OrderId, out var left) && left > 0)
        {
            journal.FailuresLeft[context.Event.OrderId] = left - 1;
            throw new InvalidOperationException($"payment provider down for {context.Event.OrderId}");
        }

        journal.Record(context);
        return Task.CompletedTask;
    }
}

public sealed class PayOnPlaced : IEventHandler<OrderPlaced>
{
    public async Task HandleAsync(EventContext<OrderPlaced> context) =>
        await context.PublishAsync(new OrderPaid(context.Event.OrderId));
}

public sealed class ShipOnPaid(Herald.Publishing.IEventPublisher publisher) : IEventHandler<OrderPaid>
{
    // Injected publisher, not the context: causation must flow either way.
    public async Task HandleAsync(EventContext<OrderPaid> context) =>
        await publisher.PublishAsync(new OrderShipped(context.Event.OrderId));
}

public sealed class RecordShipped(Journal journal) : IEventHandler<OrderShipped>
{
    public Task HandleAsync(EventContext<OrderShipped> context)
    {
        journal.Record(context);
        return Task.CompletedTask;
    }
}

public sealed class PingPong : IEventHandler<Ping>
{
    public async Task HandleAsync(EventContext<Ping> context) =>
        await context.PublishAsync(new Ping(context.Event.Hop + 1));
}
