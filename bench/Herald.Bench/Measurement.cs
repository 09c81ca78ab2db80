namespace Herald.Bench;

/// <summary>The median of several runs of one measurement, in events per second.</summary>
internal sealed record Measurement(string Key, string Description, IReadOnlyList<double> Runs)
{
    public double Median
    {
        get
        {
            var sorted = Runs.Order().ToArray();
            return sorted.Length == 0 ? double.NaN
                : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
                : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    public static async Task<Measurement> RunAsync(string key, string description, int repeat, Func<Task<double>> run)
    {
        var runs = new List<double>(repeat);
        for (var i = 0; i < repeat; i++)
        {
            runs.Add(await run());
        }

        return new Measurement(key, description, runs);
    }
}
