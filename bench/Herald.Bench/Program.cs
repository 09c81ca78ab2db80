using System.Text.Json;
using Herald.Bench;
using Herald.Bench.Baselines;

// Usage: dotnet run -c Release --project bench/Herald.Bench -- baselines [--events N] [--repeat R] [--dir DIR] [--json]
var arguments = BenchArguments.Parse(args);
if (arguments is null)
{
    return 2;
}

Directory.CreateDirectory(arguments.Directory);
var results = new List<Measurement>();
var events = arguments.Events;
var repeat = arguments.Repeat;
Console.Error.WriteLine($"Herald bench '{arguments.Mode}': {events:N0} events of 100 B, median of {repeat} runs, data in {arguments.Directory}");

results.Add(await Measurement.RunAsync("groupcommit_baseline_events_per_s", ".NET append + fsync group commit (one writer, one flusher)", repeat,
    () => GroupCommitBaseline.RunAsync(arguments.Directory, events * 2, 100)));
results.Add(await Measurement.RunAsync("channel_events_per_s", "Channel<T> pass-through, objects", repeat,
    () => ChannelBaseline.RunAsync(events, 100, json: false)));
results.Add(await Measurement.RunAsync("channel_json_events_per_s", "Channel<T> pass-through + System.Text.Json both ways", repeat,
    () => ChannelBaseline.RunAsync(events, 100, json: true)));
results.Add(await Measurement.RunAsync("inmemory_full_path_events_per_s", "Herald full path on the in-memory transport (not durable)", repeat,
    () => HeraldFullPath.RunAsync(events, 100, h => h.UseInMemoryTransport())));
results.Add(await Measurement.RunAsync("masstransit_events_per_s", "MassTransit 8.5 in-memory, publish → consumer", repeat,
    () => MassTransitBaseline.RunAsync(Math.Min(events, 200_000), 100)));

BenchReport.WriteTable(results);
if (arguments.Json)
{
    var line = results.ToDictionary(r => r.Key, r => (object?)Math.Round(r.Median));
    Console.WriteLine(JsonSerializer.Serialize(line));
}

return 0;
