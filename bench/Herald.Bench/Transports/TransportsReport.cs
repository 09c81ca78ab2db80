using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Herald.Bench.Transports;

/// <summary>Prints the <c>transports</c> comparison as one table (a row group per transport, ratios against the embedded
/// log's row) and as one JSON line.</summary>
internal static class TransportsReport
{
    // Relaxed escaping keeps the reasons readable ('…' rather than \u0027…\u0027); the line goes to a terminal or a file, not HTML.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteTable(IReadOnlyList<TransportResult> results)
    {
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
    }

    public static void WriteJson(IReadOnlyList<TransportResult> results)
    {
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

        Console.WriteLine(JsonSerializer.Serialize(line, JsonOptions));
    }
}
