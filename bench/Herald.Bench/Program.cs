using Herald.Bench;
using Herald.Bench.Baselines;
using Herald.Bench.Log;
using Herald.Bench.Publishing;
using Herald.Bench.Serve;
using Herald.Bench.Transports;
using Herald.Hosting;

// Usage: dotnet run -c Release --project bench/Herald.Bench -- log|baselines|transports|publish|serve [--events N] [--repeat R] [--dir DIR] [--stream N] [--rate N] [--partitions N] [--kafka HOST:PORT] [--only KEY,…] [--json]
var arguments = BenchArguments.Parse(args);
if (arguments is null)
{
    return 2;
}

Directory.CreateDirectory(arguments.Directory);
if (arguments.Mode == "transports")
{
    var transports = await TransportsBench.RunAsync(arguments);
    TransportsReport.WriteTable(transports, arguments);
    if (arguments.Json)
    {
        TransportsReport.WriteJson(transports, arguments);
    }

    return 0;
}

if (arguments.Mode == "serve")
{
    var serve = await ServeBench.RunAsync(arguments);
    ServeReport.WriteTable(serve, arguments);
    if (arguments.Json)
    {
        ServeReport.WriteJson(serve, arguments);
    }

    return 0;
}

if (arguments.Mode == "publish")
{
    var publishing = await PublishBench.RunAsync(arguments);
    BenchReport.WriteTable(publishing);
    if (arguments.Json)
    {
        BenchReport.WriteJson(publishing);
    }

    return 0;
}

var results = new List<Measurement>();
var events = arguments.Events;
var repeat = arguments.Repeat;
var directory = arguments.Directory;
Console.Error.WriteLine($"Herald bench '{arguments.Mode}': {events:N0} events of 100 B, median of {repeat} runs after a warm-up run, data in {directory}");
const string GroupCommit = "groupcommit_baseline_events_per_s";
const string ChannelJson = "channel_json_events_per_s";

await Run(GroupCommit, ".NET append + fsync group commit (one writer, one flusher)",
    () => GroupCommitBaseline.RunAsync(directory, events * 2, 100));
if (arguments.Mode == "log")
{
    await Run("publish_events_per_s", "Herald.Log durable append, 100 B, 256 records per call",
        () => LogBench.PublishAsync(directory, events * 2, 100, batch: 256, partitions: 1), GroupCommit);
    await Run("publish_single_events_per_s", "Herald.Log durable append, 100 B, one record per call",
        () => LogBench.PublishAsync(directory, events, 100, batch: 1, partitions: 1), GroupCommit);
    await Run("publish_1k_events_per_s", "Herald.Log durable append, 1 KiB, 64 records per call",
        () => LogBench.PublishAsync(directory, events / 2, 1024, batch: 64, partitions: 1), GroupCommit);
    await Run("consume_events_per_s", "Herald.Log read, 100 B records",
        () => LogBench.ConsumeAsync(directory, events * 2, 100));
    foreach (var (rate, label) in new[] { (10_000, "10k"), (100_000, "100k"), (1_000_000, "1m") }.Where(r => Selected("e2e_")))
    {
        var runs = new List<LatencyResult>();
        for (var i = 0; i <= repeat; i++)
        {
            var result = await LogBench.LatencyAsync(directory, rate, TimeSpan.FromSeconds(rate >= 1_000_000 ? 2 : 3), 100);
            if (i > 0)
            {
                runs.Add(result);
            }
        }

        results.Add(new Measurement($"e2e_rate_at_{label}", $"  offered {label}/s: achieved durable rate", [.. runs.Select(r => r.AchievedRate)]));
        results.Add(new Measurement($"e2e_p50_ms_at_{label}", $"  offered {label}/s: append → tailing reader, p50", [.. runs.Select(r => r.P50)], "ms"));
        results.Add(new Measurement($"e2e_p99_ms_at_{label}", $"  offered {label}/s: append → tailing reader, p99", [.. runs.Select(r => r.P99)], "ms"));
        results.Add(new Measurement($"e2e_p999_ms_at_{label}", $"  offered {label}/s: append → tailing reader, p99.9", [.. runs.Select(r => r.P999)], "ms"));
    }
}

await Run("channel_events_per_s", "Channel<T> pass-through, objects",
    () => ChannelBaseline.RunAsync(events, 100, json: false));
await Run(ChannelJson, "Channel<T> pass-through + System.Text.Json both ways",
    () => ChannelBaseline.RunAsync(events, 100, json: true));
if (arguments.Mode == "log")
{
    await Run("full_path_events_per_s", "Herald full path on the embedded log (durable, JSON)",
        () => HeraldFullPath.RunAsync(events, 100, h => h.UseEmbeddedLog(o => o.DataDirectory = Path.Combine(directory, $"full-{Guid.NewGuid():N}"))), ChannelJson);
}

await Run("inmemory_full_path_events_per_s", "Herald full path on the in-memory transport (not durable)",
    () => HeraldFullPath.RunAsync(events, 100, h => h.UseInMemoryTransport()), ChannelJson);
await Run("masstransit_events_per_s", "MassTransit 8.5 in-memory, publish → consumer",
    () => MassTransitBaseline.RunAsync(Math.Min(events, 200_000), 100), ChannelJson);
await RunOptional("rabbitmq_publish_events_per_s", "RabbitMQ 3.10 quorum queue, persistent, confirmed publishes",
    () => RabbitMqBaseline.RunAsync((int)Math.Min(events, 100_000), 100));
await RunOptional("nats_publish_events_per_s", "NATS 2.9 JetStream file stream, acknowledged publishes",
    () => NatsBaseline.RunAsync((int)Math.Min(events, 100_000), 100));

if (arguments.Stream > 0 && Selected("stream_events_per_s"))
{
    var stream = await LogBench.StreamAsync(directory, arguments.Stream, 100);
    results.Add(new Measurement("stream_events_per_s", $"Herald.Log streaming {arguments.Stream:N0} events, reader tailing the writer", [stream.EventsPerSecond]));
    results.Add(new Measurement("stream_early_working_set_mb", "  working set, first quarter after warm-up (peak)", [stream.EarlyWorkingSetMb], "MB"));
    results.Add(new Measurement("stream_late_working_set_mb", "  working set, last quarter (peak)", [stream.LateWorkingSetMb], "MB"));
    results.Add(new Measurement("stream_max_heap_mb", "  managed heap (peak)", [stream.MaxHeapMb], "MB"));
}

BenchReport.WriteTable(results);
if (arguments.Json)
{
    BenchReport.WriteJson(results);
}

return 0;

bool Selected(string key) => arguments.Only.Count == 0 || arguments.Only.Any(o => key.StartsWith(o, StringComparison.Ordinal));

async Task Run(string key, string description, Func<Task<double>> run, string? versus = null)
{
    if (Selected(key))
    {
        results.Add(await Measurement.RunAsync(key, description, repeat, run, versus));
    }
}

async Task RunOptional(string key, string description, Func<Task<double?>> run)
{
    if (Selected(key))
    {
        results.Add(await Measurement.RunAsync(key, description, repeat, run));
    }
}
