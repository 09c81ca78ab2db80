using System.Globalization;

namespace Herald.Bench.Transports;

/// <summary>
/// The <c>transports</c> mode: the same end-to-end workload through every transport, one row group each. A run is a fresh
/// Herald host on fresh topology; each figure is the median of <c>--repeat</c> runs after a discarded warm-up run.
/// </summary>
internal static class TransportsBench
{
    // The paced run lasts this long at the offered rate, or N events if fewer: long enough for a p99 of thousands of events.
    private static readonly TimeSpan PacedDuration = TimeSpan.FromSeconds(4);

    public static async Task<TransportsResult> RunAsync(BenchArguments arguments)
    {
        var paced = Math.Min(arguments.Events, (long)(arguments.Rate * PacedDuration.TotalSeconds));
        var label = RateLabel(arguments.Rate);
        var loadBefore = MachineLoad.LoadAverage();
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Herald bench 'transports': {arguments.Events:N0} events of {EndToEndRun.PayloadBytes} B over 1,024 keys and {TransportCases.Partitions} partitions, "
            + $"one consumer group; then {paced:N0} events offered at {arguments.Rate:N0}/s; median of {arguments.Repeat} runs after a warm-up run; "
            + $"load average {loadBefore:0.00} on {Environment.ProcessorCount} cores"));
        var results = new List<TransportResult>();
        foreach (var transport in TransportCases.All(arguments.Directory, arguments.Kafka))
        {
            if (arguments.Only.Count > 0 && !arguments.Only.Any(o => transport.Key.StartsWith(o, StringComparison.Ordinal)))
            {
                continue;
            }

            results.Add(await RunRowAsync(transport, arguments, paced, label));
        }

        return new TransportsResult(results, loadBefore, MachineLoad.LoadAverage());
    }

    private static async Task<TransportResult> RunRowAsync(TransportCase transport, BenchArguments arguments, long paced, string label)
    {
        IAsyncDisposable? broker = null;
        try
        {
            broker = await transport.OpenAsync();
            if (await transport.ProbeAsync() is { } reason)
            {
                Console.Error.WriteLine($"{transport.Name}: not available: {reason}");
                return new TransportResult(transport, $"not available: {reason}", []);
            }

            return new TransportResult(transport, null, await MeasureAsync(transport, arguments, paced, label));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A broker that goes away mid-run (or a transport that fails) ends its row, not the whole comparison.
            Console.Error.WriteLine($"{transport.Name}: failed: {e}");
            return new TransportResult(transport, $"failed: {e.GetBaseException().Message}", []);
        }
        finally
        {
            if (broker is not null)
            {
                await broker.DisposeAsync();
            }
        }
    }

    private static async Task<IReadOnlyList<Measurement>> MeasureAsync(TransportCase transport, BenchArguments arguments, long paced, string label)
    {
        var throughput = new List<double>();
        var runs = new List<PacedResult>();
        for (var i = 0; i <= arguments.Repeat; i++)
        {
            var rate = await OnFreshTopologyAsync(transport, run => EndToEndRun.ThroughputAsync(run, arguments.Events));
            var result = await OnFreshTopologyAsync(transport, run => EndToEndRun.PacedAsync(run, paced, arguments.Rate));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{transport.Name} {(i == 0 ? "warm-up" : $"run {i}")}: {rate:N0} ev/s; at {label}/s: achieved {result.AchievedRate:N0}/s, p50 {result.P50:0.00} ms, p99 {result.P99:0.00} ms"));
            // The first run is thrown away: it pays for JIT tiering, cold caches and the broker's first declarations.
            if (i > 0)
            {
                throughput.Add(rate);
                runs.Add(result);
            }
        }

        var key = $"transports_{transport.Key}";
        return
        [
            new($"{key}_events_per_s", "  end-to-end throughput (first publish → last handled)", throughput, Versus: "transports_embedded_events_per_s"),
            new($"{key}_achieved_at_{label}", $"  offered {label}/s: achieved publish rate", [.. runs.Select(r => r.AchievedRate)]),
            new($"{key}_p50_ms_at_{label}", $"  offered {label}/s: publish → handle, p50", [.. runs.Select(r => r.P50)], "ms", $"transports_embedded_p50_ms_at_{label}"),
            new($"{key}_p99_ms_at_{label}", $"  offered {label}/s: publish → handle, p99", [.. runs.Select(r => r.P99)], "ms", $"transports_embedded_p99_ms_at_{label}"),
        ];
    }

    /// <summary>Runs <paramref name="run"/> under a name of its own (fresh queues, streams or directory) and deletes what it left.</summary>
    private static async Task<T> OnFreshTopologyAsync<T>(TransportCase transport, Func<RunSetup, Task<T>> run)
    {
        var name = $"transports-{Guid.NewGuid():N}"[..23];
        try
        {
            return await run(new RunSetup(h => transport.Configure(h, name), transport.Group(name), () => transport.ReadyAsync(name)));
        }
        finally
        {
            try
            {
                await transport.CleanUpAsync(name);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Leftovers cost disk on the broker, not correctness: every run uses names of its own.
                Console.Error.WriteLine($"{transport.Name}: could not delete what run '{name}' left: {e.GetBaseException().Message}");
            }
        }
    }

    internal static string RateLabel(int rate) =>
        rate % 1000 == 0 ? string.Create(CultureInfo.InvariantCulture, $"{rate / 1000}k") : rate.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One transport's measurements, or why it has none.</summary>
internal sealed record TransportResult(TransportCase Transport, string? Unavailable, IReadOnlyList<Measurement> Measurements);

/// <summary>Every transport's row of one invocation and the machine's load average before and after it.</summary>
internal sealed record TransportsResult(IReadOnlyList<TransportResult> Rows, double? LoadBefore, double? LoadAfter);
