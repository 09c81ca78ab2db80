using System.Collections.Concurrent;
using Herald.Consuming;
using Herald.Consuming.Ordering;
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

/// <summary>Records every call.</summary>
public sealed class Handling
{
    public ConcurrentQueue<(string Group, string OrderId, DateTimeOffset At)> Calls { get; } = new();
}

public sealed class OrderPlacedHandler(Handling handling) : IEventHandler<OrderPlaced>
{
    public Task HandleAsync(EventContext<OrderPlaced> context)
    {
        handling.Calls.Enqueue((context.ConsumerGroup, context.Event.OrderId, DateTimeOffset.UtcNow));
        return Task.CompletedTask;
    }
}

/// <summary>Herald's consumer pipeline on RabbitMQ where it differs from the other brokers: RabbitMQ keeps no sequence
/// positions. Retries, dead letters and redrive are <see cref="RabbitMQPipelineConformanceTests"/>.</summary>
public sealed class RabbitMQPipelineTests(RabbitMQBroker broker)
{
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
