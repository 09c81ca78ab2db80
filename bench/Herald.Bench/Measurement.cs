namespace Herald.Bench;

/// <summary>The median of several runs of one measurement; no runs when what it measures was not available (a broker that is not running).</summary>
/// <param name="Key">The measurement's key in the JSON line.</param>
/// <param name="Description">What was measured, for the table.</param>
/// <param name="Runs">The value of each run.</param>
/// <param name="Unit">The unit of the values: <c>ev/s</c> unless said.</param>
/// <param name="Versus">The key of the measurement this one is compared with in the table, if any.</param>
internal sealed record Measurement(string Key, string Description, IReadOnlyList<double> Runs, string Unit = "ev/s", string? Versus = null)
{
    /// <summary>Gets the median of the runs, or null when the measurement was not available.</summary>
    public double? Median
    {
        get
        {
            var sorted = Runs.Order().ToArray();
            return sorted.Length == 0 ? null
                : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
                : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    /// <summary>Runs <paramref name="run"/> once to warm up, then <paramref name="repeat"/> times.</summary>
    public static Task<Measurement> RunAsync(string key, string description, int repeat, Func<Task<double>> run, string? versus = null) =>
        RunAsync(key, description, repeat, async () => (double?)await run(), versus);

    /// <summary>Runs <paramref name="run"/> once to warm up, then <paramref name="repeat"/> times; a run that returns null means the
    /// measurement is not available, which ends it with no runs.</summary>
    public static async Task<Measurement> RunAsync(string key, string description, int repeat, Func<Task<double?>> run, string? versus = null)
    {
        var runs = new List<double>(repeat);
        // One run more than asked, the first thrown away: it pays for JIT tiering and cold caches, which otherwise
        // make every measurement's first run an outlier.
        for (var i = 0; i <= repeat; i++)
        {
            if (await run() is not { } value)
            {
                return new Measurement(key, description, [], Versus: versus);
            }

            if (i > 0)
            {
                runs.Add(value);
            }
        }

        return new Measurement(key, description, runs, Versus: versus);
    }
}
