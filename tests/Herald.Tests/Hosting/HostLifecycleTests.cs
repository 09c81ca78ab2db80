using Herald.Consuming;
using Herald.Hosting;
using Herald.Publishing;
using Herald.Transports;
using Herald.Transports.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.Tests.Hosting;

/// <summary>Consumers on a real generic host: they start with it, run in the background and drain when it stops.</summary>
public sealed class HostLifecycleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public sealed class Gate
    {
        public int Target { get; set; } = int.MaxValue;

        private int _handled;

        public int Handled => Volatile.Read(ref _handled);

        public int Increment() => Interlocked.Increment(ref _handled);

        public TaskCompletionSource AllHandled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Blocking { get; set; }

        public bool WasCancelled { get; set; }
    }

    public sealed class GatedHandler(Gate gate) : IEventHandler<OrderPlaced>
    {
        public async Task HandleAsync(EventContext<OrderPlaced> context)
        {
            if (gate.Blocking)
            {
                gate.Entered.TrySetResult();
                try
                {
                    await gate.Release.Task.WaitAsync(context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    gate.WasCancelled = true;
                    throw;
                }
            }

            if (gate.Increment() >= gate.Target)
            {
                gate.AllHandled.TrySetResult();
            }
        }
    }

    private static IHost BuildHost(Gate gate, TimeSpan? shutdownTimeout = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(gate);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? Patience);
        builder.Services.AddHerald(h => h.UseInMemoryTransport().AddHandler<GatedHandler>("billing").ConfigureGroup("billing", g => g.Members = 2));
        return builder.Build();
    }

    [Fact]
    public async Task StartedHost_HandlesEventsInTheBackground()
    {
        var gate = new Gate { Target = 500 };
        using var host = BuildHost(gate);
        await host.StartAsync(TestContext.Current.CancellationToken);
        var publisher = host.Services.GetRequiredService<IEventPublisher>();

        for (var i = 0; i < 500; i++)
        {
            await publisher.PublishAsync(new OrderPlaced($"o{i}", i), new PublishOptions { PartitionKey = $"o{i}" });
        }

        await gate.AllHandled.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(500, gate.Handled);
        Assert.Equal(0, ((InMemoryTransport)host.Services.GetRequiredService<ITransport>()).GetBacklog("test.order-placed", "billing"));
    }

    [Fact]
    public async Task StoppingHost_LetsTheInFlightHandlerFinish_AndCompletesItsEvent()
    {
        var gate = new Gate { Blocking = true, Target = 1 };
        using var host = BuildHost(gate);
        await host.StartAsync(TestContext.Current.CancellationToken);
        await host.Services.GetRequiredService<IEventPublisher>().PublishAsync(new OrderPlaced("o1", 1));
        await gate.Entered.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);

        var stopping = host.StopAsync(TestContext.Current.CancellationToken);
        gate.Release.SetResult();
        await stopping.WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(1, gate.Handled);
        Assert.False(gate.WasCancelled);
        Assert.Equal(0, ((InMemoryTransport)host.Services.GetRequiredService<ITransport>()).GetBacklog("test.order-placed", "billing"));
    }

    [Fact]
    public async Task StoppingHost_PastShutdownTimeout_CancelsTheHandler_AndLeavesItsEventForRedelivery()
    {
        var gate = new Gate { Blocking = true };
        using var host = BuildHost(gate, shutdownTimeout: TimeSpan.FromMilliseconds(100));
        await host.StartAsync(TestContext.Current.CancellationToken);
        await host.Services.GetRequiredService<IEventPublisher>().PublishAsync(new OrderPlaced("o1", 1));
        await gate.Entered.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);

        await host.StopAsync(CancellationToken.None).WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.True(gate.WasCancelled);
        Assert.Equal(0, gate.Handled);
        Assert.Equal(1, ((InMemoryTransport)host.Services.GetRequiredService<ITransport>()).GetBacklog("test.order-placed", "billing"));
    }

    [Fact]
    public async Task HostWithInvalidConfiguration_FailsToStartWithTheReason()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(new Gate());
        builder.Services.AddHerald(h => h.UseInMemoryTransport().AddHandler<GatedHandler>("billing").ConfigureGroup("billing", g => g.BatchSize = 0));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("BatchSize", error.Message, StringComparison.Ordinal);
    }
}
