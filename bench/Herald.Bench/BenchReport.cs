using System.Globalization;

namespace Herald.Bench;

/// <summary>Prints measurements as a table with each one's ratio to the first.</summary>
internal static class BenchReport
{
    public static void WriteTable(IReadOnlyList<Measurement> results)
    {
        var reference = results.FirstOrDefault(r => r.Key == "channel_json_events_per_s")?.Median ?? double.NaN;
        Console.WriteLine($"{"measurement",-62} {"median ev/s",14} {"vs Channel+JSON",16}  runs");
        foreach (var result in results)
        {
            var runs = string.Join(" ", result.Runs.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Description,-62} {result.Median,14:N0} {result.Median / reference,15:0.00}x  {runs}"));
        }
    }
}
