using System.Diagnostics;
using Herald.Consuming;
using Herald.Hosting;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.Bench.Baselines;

/// <summary>Herald's full path: <see cref="IEventPublisher"/> → transport → <see cref="IEventHandler{TEvent}"/>, with JSON both ways.</summary>
internal static class HeraldFullPath
{
    private const int MaxInFlight = 4096;

    public static async Task<double> RunAsync(long events, int payloadBytes, Action<HeraldBuilder> useTransport)
    {
        var counter = new MassTransitBaseline.Counter(events);
        var services = new ServiceCollection();
        services.AddSingleton(counter);
        services.AddHerald(h =>
        {
            useTransport(h);
            h.AddHandler<CountingHandler>("bench");
        });
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        var publisher = provider.GetRequiredService<IEventPublisher>();
        var stopwatch = Stopwatch.StartNew();
        // A server publishes from many requests at once: keep publishes in flight, so a durable transport can
        // acknowledge a whole group commit at a time instead of one fsync per event.
        var inFlight = new Queue<Task>(MaxInFlight);
        for (long i = 0; i < events; i++)
        {
            var item = BenchEvent.Create(i, payloadBytes);
            var publish = publisher.PublishAsync(item, new PublishOptions { PartitionKey = item.Key });
            if (!publish.IsCompletedSuccessfully)
            {
                inFlight.Enqueue(publish.AsTask());
                if (inFlight.Count == MaxInFlight)
                {
                    await inFlight.Dequeue();
                }
            }
        }

        await Task.WhenAll(inFlight);

        await counter.AllConsumed.Task.WaitAsync(TimeSpan.FromMinutes(5));
        stopwatch.Stop();
        foreach (var service in hosted)
        {
            await service.StopAsync(CancellationToken.None);
        }

        return events / stopwatch.Elapsed.TotalSeconds;
    }

    internal sealed class CountingHandler(MassTransitBaseline.Counter counter) : IEventHandler<BenchEvent>
    {
        public Task HandleAsync(EventContext<BenchEvent> context)
        {
            counter.Add();
            return Task.CompletedTask;
        }
    }
}
