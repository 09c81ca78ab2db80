using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Bench.Baselines;

/// <summary>MassTransit 8.5's in-memory transport handling the same event with a consumer: the full path of a popular framework.</summary>
internal static class MassTransitBaseline
{
    public static async Task<double> RunAsync(long events, int payloadBytes)
    {
        var counter = new Counter(events);
        var services = new ServiceCollection();
        services.AddSingleton(counter);
        services.AddMassTransit(x =>
        {
            x.AddConsumer<CountingConsumer>();
            x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        });
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        await bus.StartAsync();
        try
        {
            var stopwatch = Stopwatch.StartNew();
            for (long i = 0; i < events; i++)
            {
                await bus.Publish(BenchEvent.Create(i, payloadBytes));
            }

            await counter.AllConsumed.Task.WaitAsync(TimeSpan.FromMinutes(5));
            stopwatch.Stop();
            return events / stopwatch.Elapsed.TotalSeconds;
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    internal sealed class Counter(long target)
    {
        private long _consumed;

        public TaskCompletionSource AllConsumed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add()
        {
            if (Interlocked.Increment(ref _consumed) == target)
            {
                AllConsumed.TrySetResult();
            }
        }
    }

    internal sealed class CountingConsumer(Counter counter) : IConsumer<BenchEvent>
    {
        public Task Consume(ConsumeContext<BenchEvent> context)
        {
            counter.Add();
            return Task.CompletedTask;
        }
    }
}
