using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Herald.Bench.Serve;

/// <summary>Prints the <c>serve</c> mode's table (ratios against the baselines of the same runs), the client settings, whether
/// the floors are met, and the command that reproduces it; and one JSON line of medians.</summary>
internal static class ServeReport
{
    /// <summary>The floors and the goal herald serve is held to on a two-core machine with client and server sharing it.</summary>
    private static readonly (string Key, string Measurement, double Floor, string Kind)[] Floors =
    [
        ("serve_produce_floor_met", ServeBench.ServeProduce, 300_000, "floor"),
        ("serve_consume_floor_met", ServeBench.ServeConsume, 1_000_000, "floor"),
        ("serve_produce_goal_met", ServeBench.ServeProduce, 1_000_000, "goal"),
    ];

    // Relaxed escaping keeps the notes and the command readable; the line goes to a terminal or a file, not HTML.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteTable(ServeResult result, BenchArguments arguments)
    {
        BenchReport.WriteTable(result.Measurements);
        foreach (var note in result.Notes)
        {
            Console.WriteLine(note);
        }

        Console.WriteLine($"producer: {ServeClients.Describe(ServeClients.ThroughputProducer(""))}");
        Console.WriteLine($"latency producer: {ServeClients.Describe(ServeClients.LatencyProducer(""))}");
        Console.WriteLine($"consumer: {ServeClients.Describe(ServeClients.ThroughputConsumer(""))}");
        Console.WriteLine($"server: in process, loopback, FlushPolicy.Always, {result.Partitions} partitions per topic; values of {ServeClients.ValueBytes} B, no key");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"conditions: {Environment.ProcessorCount} cores, load average {result.LoadBefore?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?"} before, {result.LoadAfter?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?"} after"));
        foreach (var (_, key, floor, kind) in Floors)
        {
            var median = Median(result, key);
            var verdict = median is null ? "not measured" : median >= floor ? "met" : "NOT met";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind} {key} >= {floor:N0}: {verdict}{(median is { } m ? $" ({m:N0})" : "")}"));
        }

        Console.WriteLine($"reproduce: {Command(arguments, result)}");
    }

    public static void WriteJson(ServeResult result, BenchArguments arguments)
    {
        var line = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var measurement in result.Measurements)
        {
            line[measurement.Key] = measurement.Median is { } m ? Math.Round(m, measurement.Unit is "ms" or "MB/s" ? 2 : 0) : null;
        }

        foreach (var (key, measurement, floor, _) in Floors)
        {
            line[key] = Median(result, measurement) is { } median ? median >= floor : null;
        }

        line["runs"] = arguments.Repeat;
        line["load_average_before"] = result.LoadBefore;
        line["load_average_after"] = result.LoadAfter;
        line["notes"] = result.Notes;
        line["command"] = Command(arguments, result);
        Console.WriteLine(JsonSerializer.Serialize(line, JsonOptions));
    }

    private static double? Median(ServeResult result, string key) => result.Measurements.FirstOrDefault(m => m.Key == key)?.Median;

    private static string Command(BenchArguments arguments, ServeResult result) =>
        string.Create(CultureInfo.InvariantCulture,
            $"dotnet run -c Release --project bench/Herald.Bench -- serve --records {arguments.Events} --runs {arguments.Repeat} --partitions {result.Partitions} --rate {arguments.Rate}")
        + (arguments.Only.Count > 0 ? $" --only {string.Join(',', arguments.Only)}" : "")
        + (arguments.Json ? " --json" : "");
}
