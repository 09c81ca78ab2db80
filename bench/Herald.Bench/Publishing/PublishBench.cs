using System.Diagnostics;
using Herald.Hosting;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Bench.Publishing;

/// <summary>
/// The <c>publish</c> mode: the same events published to the embedded log four ways, acknowledged (fsynced) before a run
/// ends: awaited one by one, concurrently, and with <see cref="IEventPublisher.PublishManyAsync{TEvent}"/> in batches.
/// </summary>
/// <remarks>Events are <see cref="BenchEvent"/>s of 100 B keyed over 1,024 keys, on the default 8 partitions; no consumer runs.
/// Each run is a fresh host on a fresh data directory, deleted afterwards.</remarks>
internal static class PublishBench
{
    public const long DefaultEvents = 10_000;
    public const int InFlight = 64;
    public const int BatchSize = 500;
    private const string Awaited = "publish_awaited_events_per_s";

    public static async Task<List<Measurement>> RunAsync(BenchArguments arguments)
    {
        var events = arguments.Events;
        Console.Error.WriteLine($"Herald bench 'publish': {events:N0} events of 100 B to the embedded log, median of {arguments.Repeat} runs after a warm-up run, data in {arguments.Directory}");
        var rows = new (string Key, string Description, Func<IEventPublisher, IReadOnlyList<BenchEvent>, Task> Publish)[]
        {
            (Awaited, "PublishAsync, each awaited before the next", PublishAwaitedAsync),
            ("publish_concurrent_events_per_s", $"PublishAsync, {InFlight} in flight", PublishConcurrentlyAsync),
            ("publish_many_batches_events_per_s", $"PublishManyAsync, batches of {BatchSize}", (p, e) => PublishManyAsync(p, e, BatchSize)),
            ("publish_many_one_batch_events_per_s", $"PublishManyAsync, one batch of {events:N0}", (p, e) => PublishManyAsync(p, e, e.Count)),
        };
        var results = new List<Measurement>();
        foreach (var (key, description, publish) in rows)
        {
            if (arguments.Only.Count == 0 || arguments.Only.Any(o => key.StartsWith(o, StringComparison.Ordinal)))
            {
                results.Add(await Measurement.RunAsync(key, description, arguments.Repeat,
                    () => RunOnceAsync(arguments.Directory, events, publish), key == Awaited ? null : Awaited));
            }
        }

        return results;
    }

    private static async Task<double> RunOnceAsync(string root, long count, Func<IEventPublisher, IReadOnlyList<BenchEvent>, Task> publish)
    {
        var directory = Path.Combine(root, $"publish-{Guid.NewGuid():N}");
        var events = Enumerable.Range(0, (int)count).Select(i => BenchEvent.Create(i, 100)).ToList();
        double rate;
        await using (var provider = new ServiceCollection()
            .AddHerald(h => h.UseEmbeddedLog(o => o.DataDirectory = directory).AddEvent<BenchEvent>())
            .BuildServiceProvider())
        {
            var publisher = provider.GetRequiredService<IEventPublisher>();
            // Opens the log and creates the topic outside the measurement.
            await publisher.PublishAsync(BenchEvent.Create(-1, 100));
            var stopwatch = Stopwatch.StartNew();
            await publish(publisher, events);
            rate = count / stopwatch.Elapsed.TotalSeconds;
        }

        Directory.Delete(directory, recursive: true);
        return rate;
    }

    private static PublishOptions Keyed(BenchEvent item) => new() { PartitionKey = item.Key };

    private static async Task PublishAwaitedAsync(IEventPublisher publisher, IReadOnlyList<BenchEvent> events)
    {
        foreach (var item in events)
        {
            await publisher.PublishAsync(item, Keyed(item));
        }
    }

    private static async Task PublishConcurrentlyAsync(IEventPublisher publisher, IReadOnlyList<BenchEvent> events)
    {
        var inFlight = new Queue<Task>(InFlight);
        foreach (var item in events)
        {
            inFlight.Enqueue(publisher.PublishAsync(item, Keyed(item)).AsTask());
            if (inFlight.Count == InFlight)
            {
                await inFlight.Dequeue();
            }
        }

        await Task.WhenAll(inFlight);
    }

    private static async Task PublishManyAsync(IEventPublisher publisher, IReadOnlyList<BenchEvent> events, int batchSize)
    {
        foreach (var batch in events.Chunk(batchSize))
        {
            await publisher.PublishManyAsync(batch, Keyed);
        }
    }
}
