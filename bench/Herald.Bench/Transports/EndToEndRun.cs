using System.Diagnostics;
using Herald.Consuming;
using Herald.Hosting;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.Bench.Transports;

/// <summary>
/// The workload every transport runs: <see cref="BenchEvent"/>s of 100 B, keyed over 1,024 keys, published through
/// <see cref="IEventPublisher"/> and handled by one consumer group, in a fresh Herald host (and fresh broker topology) per run.
/// </summary>
internal static class EndToEndRun
{
    public const string Group = "transports";
    public const int PayloadBytes = 100;

    // As in the baselines' full path: a server publishes from many requests at once, so a durable transport can
    // acknowledge a whole group commit (or a batch of broker confirms) at a time instead of one round trip per event.
    private const int MaxInFlight = 4096;

    /// <summary>Publishes <paramref name="events"/> as fast as the transport acknowledges them and returns events/s from the
    /// first publish to the last event handled.</summary>
    public static async Task<double> ThroughputAsync(RunSetup run, long events)
    {
        var probe = new HandledProbe(events, ticksPerEvent: 0);
        await using var host = await Host.StartAsync(run, probe);
        var stopwatch = Stopwatch.StartNew();
        var inFlight = new Queue<Task>(MaxInFlight);
        for (long i = 0; i < events; i++)
        {
            var publish = Publish(host.Publisher, i);
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
        await probe.WaitAsync(TimeSpan.FromSeconds(60 + (events / 1000)));
        stopwatch.Stop();
        return events / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Offers <paramref name="events"/> at <paramref name="rate"/> per second and returns the publish → handle latencies.
    /// Each latency counts from the event's intended send time, so a publisher that falls behind cannot hide it.
    /// </summary>
    public static async Task<PacedResult> PacedAsync(RunSetup run, long events, int rate)
    {
        var ticksPerEvent = (double)Stopwatch.Frequency / rate;
        var probe = new HandledProbe(events, ticksPerEvent);
        await using var host = await Host.StartAsync(run, probe);
        var start = probe.Begin();
        var publishes = new List<Task>();

        // The pacing publisher gets a thread of its own, as a load generator should: pacing on a pool thread would take
        // a worker from the pool that completes publishes and runs the handlers.
        await Task.Factory.StartNew(Produce, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(publishes);
        var achieved = events / Stopwatch.GetElapsedTime(start).TotalSeconds;
        await probe.WaitAsync(TimeSpan.FromSeconds(60 + (events / rate)));
        var latencies = probe.LatenciesMilliseconds();
        return new PacedResult(achieved, Percentile(latencies, 0.50), Percentile(latencies, 0.99));

        void Produce()
        {
            for (long sent = 0; sent < events;)
            {
                var due = Math.Min(events, (long)((Stopwatch.GetTimestamp() - start) / ticksPerEvent) + 1);
                if (due <= sent)
                {
                    // Nothing due: sleep rather than spin on one of two cores. Latency counts from the intended send
                    // time, so the sleep's granularity (about 1 ms) is in the figures, not hidden.
                    Thread.Sleep(1);
                    continue;
                }

                for (; sent < due; sent++)
                {
                    var publish = Publish(host.Publisher, sent);
                    if (!publish.IsCompletedSuccessfully)
                    {
                        publishes.Add(publish.AsTask());
                    }
                }
            }
        }
    }

    private static ValueTask<Events.EventEnvelope> Publish(IEventPublisher publisher, long id)
    {
        var item = BenchEvent.Create(id, PayloadBytes);
        return publisher.PublishAsync(item, new PublishOptions { PartitionKey = item.Key });
    }

    internal static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    /// <summary>A started Herald host: its consumers run until it is disposed.</summary>
    private sealed class Host(ServiceProvider provider, List<IHostedService> hosted) : IAsyncDisposable
    {
        public IEventPublisher Publisher { get; } = provider.GetRequiredService<IEventPublisher>();

        public static async Task<Host> StartAsync(RunSetup run, HandledProbe probe)
        {
            var services = new ServiceCollection();
            services.AddSingleton(probe);
            services.AddHerald(h =>
            {
                run.UseTransport(h);
                h.AddHandler<ProbeHandler>(run.Group);
            });
            var provider = services.BuildServiceProvider();
            var hosted = provider.GetServices<IHostedService>().ToList();
            try
            {
                // Starting joins the group, which declares its queues or consumers: nothing published after it is lost.
                foreach (var service in hosted)
                {
                    await service.StartAsync(CancellationToken.None);
                }
            }
            catch
            {
                await provider.DisposeAsync();
                throw;
            }

            var host = new Host(provider, hosted);
            try
            {
                // A Kafka consumer joins its group in the background: the first publish waits for its partitions, as it
                // would wait for a queue's declaration elsewhere, so no row's clock includes a group's join.
                await run.ReadyAsync();
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }

            return host;
        }

        public async ValueTask DisposeAsync()
        {
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            foreach (var service in hosted)
            {
                await service.StopAsync(drain.Token);
            }

            await provider.DisposeAsync();
        }
    }

    internal sealed class ProbeHandler(HandledProbe probe) : IEventHandler<BenchEvent>
    {
        public Task HandleAsync(EventContext<BenchEvent> context)
        {
            probe.Handled(context.Event.Id);
            return Task.CompletedTask;
        }
    }
}

/// <summary>The achieved publish rate and the publish → handle latency percentiles of one paced run, in milliseconds.</summary>
internal sealed record PacedResult(double AchievedRate, double P50, double P99);
