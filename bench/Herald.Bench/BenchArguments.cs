using System.Globalization;

namespace Herald.Bench;

/// <summary>The harness's command line.</summary>
internal sealed record BenchArguments(string Mode, long Events, int Repeat, string Directory, bool Json, long Stream = 0)
{
    /// <summary>Gets the events per run of the <c>transports</c> mode when <c>--events</c> is not given: short enough for
    /// the slowest durable broker to keep the whole comparison under about three minutes.</summary>
    public const long TransportsEvents = 20_000;

    /// <summary>Gets the key prefixes to run; empty runs everything.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    /// <summary>Gets the offered rate, events/s, of the <c>transports</c> and <c>serve</c> modes' latency measurements. Default 5,000 (<c>serve</c>: 10,000).</summary>
    public int Rate { get; init; } = 5_000;

    /// <summary>Gets the partitions of the <c>serve</c> mode's topics; 0 when not given (the mode's default).</summary>
    public int Partitions { get; init; }

    /// <summary>Gets the Kafka brokers (<c>host:port</c>, comma-separated) the <c>transports</c> mode's Kafka row runs against;
    /// null when not given: a <c>herald serve</c> started in process.</summary>
    public string? Kafka { get; init; }

    private const string Usage = "usage: Herald.Bench log|baselines|transports|publish|serve [--events|--records N] [--repeat|--runs R] [--dir DIR] [--stream N] [--rate N] [--partitions N] [--kafka HOST:PORT] [--only KEY,…] [--json]";

    public static BenchArguments? Parse(string[] args)
    {
        var result = new BenchArguments("baselines", 1_000_000, 3, Path.Combine(Environment.CurrentDirectory, "bench-data"), false);
        var eventsGiven = false;
        var repeatGiven = false;
        var rateGiven = false;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "baselines" or "log" or "transports" or "publish" or "serve":
                    result = result with { Mode = args[i] };
                    break;
                case "--events" or "--records" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var events) && events > 0:
                    result = result with { Events = events };
                    eventsGiven = true;
                    i++;
                    break;
                case "--repeat" or "--runs" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var repeat) && repeat > 0:
                    result = result with { Repeat = repeat };
                    repeatGiven = true;
                    i++;
                    break;
                case "--stream" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var stream) && stream > 0:
                    result = result with { Stream = stream };
                    i++;
                    break;
                case "--rate" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var rate) && rate > 0:
                    result = result with { Rate = rate };
                    rateGiven = true;
                    i++;
                    break;
                case "--partitions" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var partitions) && partitions is > 0 and <= 10_000:
                    result = result with { Partitions = partitions };
                    i++;
                    break;
                case "--kafka" when !string.IsNullOrWhiteSpace(value) && !value.StartsWith('-'):
                    result = result with { Kafka = value };
                    i++;
                    break;
                case "--only" when value is not null:
                    result = result with { Only = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
                    i++;
                    break;
                case "--dir" when value is not null:
                    result = result with { Directory = Path.GetFullPath(value) };
                    i++;
                    break;
                case "--json":
                    result = result with { Json = true };
                    break;
                default:
                    Console.Error.WriteLine($"Herald.Bench: unexpected argument '{args[i]}' (or a missing or invalid value after it). {Usage}");
                    return null;
            }
        }

        if (result.Mode == "serve")
        {
            // A serve run moves a million records through a broker and its baselines: one measured run unless asked for more.
            result = result with { Repeat = repeatGiven ? result.Repeat : 1, Rate = rateGiven ? result.Rate : Serve.ServeBench.DefaultRate };
        }

        return eventsGiven ? result : result.Mode switch
        {
            "transports" => result with { Events = TransportsEvents },
            "publish" => result with { Events = Publishing.PublishBench.DefaultEvents },
            _ => result,
        };
    }
}
