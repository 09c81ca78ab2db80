using System.Collections.Concurrent;
using Herald.Consuming;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static Herald.RabbitMQ.Tests.TestSupport;

namespace Herald.RabbitMQ.Tests;

[Event("test.order-placed")]
public sealed record OrderPlaced(string OrderId);

/// <summary>Fails in the groups a test names and records every call.</summary>
public sealed class Handling
{
    public ConcurrentDictionary<string, bool> FailingGroups { get; } = new();

    public ConcurrentQueue<(string Group, string OrderId, DateTimeOffset At)> Calls { get; } = new();
}

public sealed class OrderPlacedHandler(Handling handling) : IEventHandler<OrderPlaced>
{
    public Task HandleAsync(EventContext<OrderPlaced> context)
    {
        handling.Calls.Enqueue((context.ConsumerGroup, context.Event.OrderId, DateTimeOffset.UtcNow));
        return handling.FailingGroups.ContainsKey(context.ConsumerGroup)
            ? throw new TimeoutException($"payment service timed out for {context.Event.OrderId}")
            : Task.CompletedTask;
    }
}

/// <summary>Herald's consumer pipeline on RabbitMQ: delayed retries, dead letters and redrive to the failed group only.</summary>
public sealed class RabbitMQPipelineTests(RabbitMQBroker broker)
{
    [Fact]
    public async Task FailingHandler_RetriedAfterDelayThenDeadLettered_RedriveReachesTheFailedGroupOnly()
    {
        var token = TestContext.Current.CancellationToken;
        var handling = new Handling();
        handling.FailingGroups["billing"] = true;
        var transport = broker.CreateTransport();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(handling).AddHerald(h => h
            .UseTransport(_ => transport)
            .AddHandler<OrderPlacedHandler>("billing")
            .AddHandler<OrderPlacedHandler>("audit")
            .ConfigureGroup("billing", g => (g.RedeliveryDelay, g.RedeliveryJitter, g.DelayedRetries) = (TimeSpan.FromMilliseconds(300), 0, 1)));
        using var host = builder.Build();
        try
        {
            await host.StartAsync(token);
            var deadLetters = host.Services.GetRequiredService<IDeadLetters>();
            var publisher = host.Services.GetRequiredService<IEventPublisher>();
            var eventId = (await publisher.PublishAsync(new OrderPlaced("o1"), new PublishOptions { PartitionKey = "o1" }, token)).EventId;

            Assert.True(await EventuallyAsync(async () => (await deadLetters.ListAsync(cancellationToken: token)).Count == 1, TimeSpan.FromSeconds(15)));
            var letter = Assert.Single(await deadLetters.ListAsync(cancellationToken: token));
            Assert.Equal(("billing", eventId, 2), (letter.Group, letter.EventId, letter.Failure.Attempts));
            var billingCalls = handling.Calls.Where(c => c.Group == "billing").ToList();
            Assert.Equal(2, billingCalls.Count);
            Assert.True(billingCalls[1].At - billingCalls[0].At >= TimeSpan.FromMilliseconds(250), "The retry did not wait for its delay.");

            handling.FailingGroups.Clear();
            Assert.Single(await deadLetters.RedriveAsync(new DeadLetterFilter { EventIds = [eventId] }, cancellationToken: token));
            Assert.True(await EventuallyAsync(() => new(handling.Calls.Count(c => c.Group == "billing") == 3), TimeSpan.FromSeconds(15)));
            // A redrive routed to the topic would sit in audit's queue for o1's partition; an event published after it
            // with the same key comes out of that queue after it, so once audit has handled that one, nothing else came.
            await publisher.PublishAsync(new OrderPlaced("after"), new PublishOptions { PartitionKey = "o1" }, token);
            Assert.True(await EventuallyAsync(() => new(handling.Calls.Any(c => c is { Group: "audit", OrderId: "after" })), TimeSpan.FromSeconds(15)));
            Assert.Equal(["o1", "after"], handling.Calls.Where(c => c.Group == "audit").Select(c => c.OrderId));
            Assert.Empty(await deadLetters.ListAsync(cancellationToken: token));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            await transport.DeleteTopologyAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ReorderingGroup_ApplicationRegisteredPositionStore_HandlesInSequenceOrderAndSavesThere()
    {
        var token = TestContext.Current.CancellationToken;
        var handling = new Handling();
        // Stands for the application's durable store: RabbitMQ keeps none, and Herald would refuse to start without one.
        var positions = new InMemorySequencePositionStore();
        var transport = broker.CreateTransport();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(handling).AddSingleton<ISequencePositionStore>(positions).AddHerald(h => h
            .UseTransport(_ => transport)
            .AddHandler<OrderPlacedHandler>("billing")
            .ConfigureGroup("billing", g => g.Reorder = new ReorderOptions()));
        using var host = builder.Build();
        try
        {
            await host.StartAsync(token);
            var publisher = host.Services.GetRequiredService<IEventPublisher>();
            foreach (var sequence in new long[] { 3, 1, 2 })
            {
                await publisher.PublishAsync(new OrderPlaced($"o/{sequence}"), new PublishOptions { PartitionKey = "o", Sequence = sequence }, token);
            }

            Assert.True(await EventuallyAsync(() => new(handling.Calls.Count == 3), TimeSpan.FromSeconds(15)));
            Assert.Equal(["o/1", "o/2", "o/3"], handling.Calls.Select(c => c.OrderId));
            Assert.True(await EventuallyAsync(async () => await positions.GetAsync("billing", "test.order-placed", "o", token) == 3, TimeSpan.FromSeconds(15)));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            await transport.DeleteTopologyAsync(CancellationToken.None);
        }
    }
}
