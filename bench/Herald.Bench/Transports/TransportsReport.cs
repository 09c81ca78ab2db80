using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Herald.Bench.Transports;

/// <summary>Prints the <c>transports</c> comparison as one table (a row group per transport, ratios against the embedded
/// log's row), the conditions it ran in and the command that reproduces it; and as one JSON line.</summary>
internal static class TransportsReport
{
    // Relaxed escaping keeps the reasons readable ('…' rather than \u0027…\u0027); the line goes to a terminal or a file, not HTML.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteTable(TransportsResult transports, BenchArguments arguments)
    {
        var results = transports.Rows;
        var medians = results.SelectMany(r => r.Measurements).Where(m => m.Median is not null).ToDictionary(m => m.Key, m => m.Median!.Value);
        Console.WriteLine($"{"transport / measurement",-58} {"median",11} {"unit",-4} {"vs embedded",11}  runs");
        foreach (var result in results)
        {
            Console.WriteLine(result.Unavailable is { } reason
                ? $"{result.Transport.Name}: {reason}"
                : $"{result.Transport.Name} — acknowledged = {result.Transport.Acknowledged}");
            foreach (var measurement in result.Measurements)
            {
                var median = measurement.Median!.Value;
                var ratio = measurement.Versus is { } versus && medians.TryGetValue(versus, out var reference)
                    ? string.Create(CultureInfo.InvariantCulture, $"{median / reference:0.00}x")
                    : "-";
                var format = measurement.Unit == "ms" ? "0.00" : "N0";
                var runs = string.Join(" ", measurement.Runs.Select(r => r.ToString(format, CultureInfo.InvariantCulture)));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{measurement.Description,-58} {median.ToString(format, CultureInfo.InvariantCulture),11} {measurement.Unit,-4} {ratio,11}  {runs}"));
            }
        }

        if (results.Any(r => r.Transport.Key == "kafka"))
        {
            Console.WriteLine($"kafka: {KafkaServer(arguments)}; Herald.Kafka's default client settings");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"conditions: {Environment.ProcessorCount} cores, load average {Load(transports.LoadBefore)} before, {Load(transports.LoadAfter)} after"));
        Console.WriteLine($"reproduce: {Command(arguments)}");
    }

    public static void WriteJson(TransportsResult transports, BenchArguments arguments)
    {
        var results = transports.Rows;
        var line = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            if (result.Unavailable is { } reason)
            {
                line[$"transports_{result.Transport.Key}_events_per_s"] = null;
                line[$"transports_{result.Transport.Key}_unavailable"] = reason;
                continue;
            }

            foreach (var measurement in result.Measurements)
            {
                line[measurement.Key] = Math.Round(measurement.Median!.Value, measurement.Unit == "ms" ? 2 : 0);
            }
        }

        if (results.Any(r => r.Transport.Key == "kafka"))
        {
            line["transports_kafka_server"] = KafkaServer(arguments);
        }

        line["events"] = arguments.Events;
        line["rate"] = arguments.Rate;
        line["runs"] = arguments.Repeat;
        line["cores"] = Environment.ProcessorCount;
        line["load_average_before"] = transports.LoadBefore;
        line["load_average_after"] = transports.LoadAfter;
        line["command"] = Command(arguments);
        Console.WriteLine(JsonSerializer.Serialize(line, JsonOptions));
    }

    private static string KafkaServer(BenchArguments arguments) => arguments.Kafka is { } brokers
        ? $"brokers {brokers}"
        : $"herald serve in process (loopback, FlushPolicy.Always, {TransportCases.Partitions} partitions per topic)";

    private static string Load(double? load) => load?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?";

    private static string Command(BenchArguments arguments) =>
        string.Create(CultureInfo.InvariantCulture,
            $"dotnet run -c Release --project bench/Herald.Bench -- transports --events {arguments.Events} --repeat {arguments.Repeat} --rate {arguments.Rate}")
        + (arguments.Kafka is { } brokers ? $" --kafka {brokers}" : "")
        + (arguments.Only.Count > 0 ? $" --only {string.Join(',', arguments.Only)}" : "")
        + (arguments.Json ? " --json" : "");
}
