using System.Globalization;
using System.Text.Json;

namespace Herald.Bench;

/// <summary>Prints measurements as a table, each beside the baseline it is compared with, and as one JSON line.</summary>
internal static class BenchReport
{
    public static void WriteTable(IReadOnlyList<Measurement> results)
    {
        var medians = results.Where(r => r.Median is not null).ToDictionary(r => r.Key, r => r.Median!.Value);
        Console.WriteLine($"{"measurement",-66} {"median",13} {"unit",-5} {"ratio",22}  runs");
        foreach (var result in results)
        {
            if (result.Median is not { } median)
            {
                Console.WriteLine($"{result.Description,-66} {"not running",13} {result.Unit,-5} {"-",22}");
                continue;
            }

            var ratio = result.Versus is { } versus && medians.TryGetValue(versus, out var reference)
                ? string.Create(CultureInfo.InvariantCulture, $"{median / reference:0.00}x {Abbreviate(versus)}")
                : "-";
            var format = result.Unit == "ms" ? "0.00" : "N0";
            var runs = string.Join(" ", result.Runs.Select(r => r.ToString(format, CultureInfo.InvariantCulture)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Description,-66} {median.ToString(format, CultureInfo.InvariantCulture),13} {result.Unit,-5} {ratio,22}  {runs}"));
        }
    }

    public static void WriteJson(IReadOnlyList<Measurement> results)
    {
        var line = results.ToDictionary(r => r.Key, r => r.Median is { } m ? Math.Round(m, r.Unit == "ms" ? 2 : 0) : (double?)null);
        Console.WriteLine(JsonSerializer.Serialize(line));
    }

    private static string Abbreviate(string key) => key.Replace("_events_per_s", string.Empty, StringComparison.Ordinal);
}
