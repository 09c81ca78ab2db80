using System.Globalization;
using Herald.Bench.Baselines;
using Herald.Bench.Log;
using Herald.Bench.Transports;

namespace Herald.Bench.Serve;

/// <summary>
/// The <c>serve</c> mode: an in-process herald serve measured with Confluent.Kafka clients (produce and consume throughput,
/// produce latency at a fixed rate) beside baselines measured in the same runs: Herald.Log's own append, read and latency,
/// and RabbitMQ's and NATS's acknowledged publishes of the same 100 B.
/// </summary>
/// <remarks>Each run measures every row once, in turn, so that the machine's noise falls on all of them alike; the first run
/// is a shorter warm-up (JIT, page cache, the brokers' first declarations) and is thrown away.</remarks>
internal static class ServeBench
{
    public const int DefaultRate = 10_000;
    public const int DefaultPartitions = 4;

    /// <summary>The records of the warm-up run, when fewer than asked for.</summary>
    public const long WarmUpRecords = 200_000;

    /// <summary>The publishes of each broker row, when fewer than asked for: a quorum queue confirms a few thousand a second here.</summary>
    public const int BrokerRecords = 50_000;

    public const string LogAppend = "log_append_events_per_s";
    public const string ServeProduce = "serve_produce_events_per_s";
    public const string LogRead = "log_read_events_per_s";
    public const string ServeConsume = "serve_consume_events_per_s";

    private static readonly TimeSpan PacedDuration = TimeSpan.FromSeconds(3);

    public static async Task<ServeResult> RunAsync(BenchArguments arguments)
    {
        var partitions = arguments.Partitions > 0 ? arguments.Partitions : DefaultPartitions;
        var label = TransportsBench.RateLabel(arguments.Rate);
        var rows = Rows(arguments, partitions, label).Where(r => Selected(arguments, r.Key)).ToList();
        var loadBefore = MachineLoad.LoadAverage();
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Herald bench 'serve': {arguments.Events:N0} records of {ServeClients.ValueBytes} B on {partitions} partitions, then {arguments.Rate:N0}/s offered for {PacedDuration.TotalSeconds:0} s; "
            + $"{arguments.Repeat} run(s) after a warm-up run, data in {arguments.Directory}; load average {loadBefore:0.00} on {Environment.ProcessorCount} cores"));

        var notes = new List<string>();
        var brokers = await ProbeBrokersAsync(arguments, rows, notes);
        var values = rows.ToDictionary(r => r.Key, _ => new List<double>());
        for (var run = 0; run <= arguments.Repeat; run++)
        {
            var records = run == 0 ? Math.Min(arguments.Events, WarmUpRecords) : arguments.Events;
            var measured = await RunOnceAsync(arguments, rows, brokers, partitions, records, label);
            Console.Error.WriteLine($"{(run == 0 ? "warm-up" : $"run {run}")}: "
                + string.Join(", ", measured.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.##}"))));
            if (run > 0)
            {
                // A row that was not asked for may have been measured on the way (produce, for consume): only rows asked for are kept.
                foreach (var (key, value) in measured.Where(m => values.ContainsKey(m.Key)))
                {
                    values[key].Add(value);
                }
            }
        }

        var measurements = rows.Select(r => r with { Runs = values[r.Key] }).ToList();
        return new ServeResult(measurements, notes, partitions, loadBefore, MachineLoad.LoadAverage());
    }

    private static IEnumerable<Measurement> Rows(BenchArguments arguments, int partitions, string label) =>
    [
        new(LogAppend, $"Herald.Log durable append, 256 records per call, {partitions} partitions", []),
        new(ServeProduce, "herald serve: Confluent.Kafka produce, acks=all, idempotent", [], Versus: LogAppend),
        new("serve_produce_mb_per_s", "  values produced", [], "MB/s"),
        new(LogRead, "Herald.Log read, one partition", []),
        new(ServeConsume, "herald serve: Confluent.Kafka consume, assigned, from the start", [], Versus: LogRead),
        new("serve_consume_mb_per_s", "  values consumed", [], "MB/s"),
        new($"log_achieved_at_{label}", $"Herald.Log offered {label}/s: achieved durable rate", []),
        new($"log_p50_ms_at_{label}", "  append → tailing reader, p50", [], "ms"),
        new($"log_p99_ms_at_{label}", "  append → tailing reader, p99", [], "ms"),
        new($"serve_achieved_at_{label}", $"herald serve offered {label}/s, acks=all: achieved rate", []),
        new($"serve_p50_ms_at_{label}", "  Produce → delivery report, p50", [], "ms", $"log_p50_ms_at_{label}"),
        new($"serve_p99_ms_at_{label}", "  Produce → delivery report, p99", [], "ms", $"log_p99_ms_at_{label}"),
        new("rabbitmq_publish_events_per_s", $"RabbitMQ quorum queue, confirmed publishes (first {Math.Min(arguments.Events, BrokerRecords):N0})", [], Versus: ServeProduce),
        new("nats_publish_events_per_s", $"NATS JetStream file stream, acked publishes (first {Math.Min(arguments.Events, BrokerRecords):N0})", [], Versus: ServeProduce),
    ];

    private static async Task<Dictionary<string, double>> RunOnceAsync(
        BenchArguments arguments, List<Measurement> rows, HashSet<string> brokers, int partitions, long records, string label)
    {
        var directory = arguments.Directory;
        var measured = new Dictionary<string, double>();
        bool Wanted(string prefix) => rows.Exists(r => r.Key.StartsWith(prefix, StringComparison.Ordinal));

        if (Wanted(LogAppend))
        {
            measured[LogAppend] = await LogBench.PublishAsync(directory, records, ServeClients.ValueBytes, batch: 256, partitions);
        }

        if (Wanted("serve_"))
        {
            await using var scope = await ServeScope.StartAsync(directory, partitions);
            if (Wanted("serve_produce") || Wanted("serve_consume"))
            {
                var topic = scope.CreateTopic("throughput");
                measured[ServeProduce] = await KafkaProduce.ThroughputAsync(scope.Bootstrap, topic, records);
                var stored = scope.Server.Log.GetOrCreateTopic(topic).Partitions.Sum(p => p.EndOffset);
                if (stored != records + 1)
                {
                    throw new InvalidOperationException($"The producer had {records + 1:N0} records acknowledged but topic '{topic}' holds {stored:N0}.");
                }

                measured["serve_produce_mb_per_s"] = measured[ServeProduce] * ServeClients.ValueBytes / 1e6;
                if (Wanted("serve_consume"))
                {
                    // The warm-up record the producer sent first is read too.
                    var (rate, bytes) = await KafkaConsume.ThroughputAsync(scope.Bootstrap, topic, partitions, records + 1);
                    measured[ServeConsume] = rate;
                    measured["serve_consume_mb_per_s"] = rate * bytes / (records + 1) / 1e6;
                }
            }

            if (Wanted("serve_achieved") || Wanted("serve_p"))
            {
                var paced = await KafkaProduce.PacedAsync(scope.Bootstrap, scope.CreateTopic("latency"), arguments.Rate, PacedDuration);
                (measured[$"serve_achieved_at_{label}"], measured[$"serve_p50_ms_at_{label}"], measured[$"serve_p99_ms_at_{label}"]) = (paced.AchievedRate, paced.P50, paced.P99);
            }
        }

        if (Wanted(LogRead))
        {
            measured[LogRead] = await LogBench.ConsumeAsync(directory, records, ServeClients.ValueBytes);
        }

        if (Wanted("log_achieved") || Wanted("log_p"))
        {
            var paced = await LogBench.LatencyAsync(directory, arguments.Rate, PacedDuration, ServeClients.ValueBytes);
            (measured[$"log_achieved_at_{label}"], measured[$"log_p50_ms_at_{label}"], measured[$"log_p99_ms_at_{label}"]) = (paced.AchievedRate, paced.P50, paced.P99);
        }

        var brokerRecords = (int)Math.Min(records, BrokerRecords);
        if (brokers.Contains("rabbitmq") && await RabbitMqBaseline.RunAsync(brokerRecords, ServeClients.ValueBytes) is { } rabbit)
        {
            measured["rabbitmq_publish_events_per_s"] = rabbit;
        }

        if (brokers.Contains("nats") && await NatsBaseline.RunAsync(brokerRecords, ServeClients.ValueBytes) is { } nats)
        {
            measured["nats_publish_events_per_s"] = nats;
        }

        return measured;
    }

    /// <summary>Returns the brokers whose rows were asked for and answer; a broker that does not is a note, or with CI=true an error.</summary>
    private static async Task<HashSet<string>> ProbeBrokersAsync(BenchArguments arguments, List<Measurement> rows, List<string> notes)
    {
        var reachable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var broker in TransportCases.All(arguments.Directory, arguments.Kafka).Where(c => c.Key is "rabbitmq" or "nats"))
        {
            if (!rows.Exists(r => r.Key.StartsWith(broker.Key + "_", StringComparison.Ordinal)))
            {
                continue;
            }

            if (await broker.ProbeAsync() is not { } reason)
            {
                reachable.Add(broker.Key);
                continue;
            }

            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"{broker.Name} is not reachable and CI=true: {reason}");
            }

            notes.Add($"{broker.Name} row skipped: {reason}");
            Console.Error.WriteLine(notes[^1]);
        }

        return reachable;
    }

    private static bool Selected(BenchArguments arguments, string key) =>
        arguments.Only.Count == 0 || arguments.Only.Any(o => key.StartsWith(o, StringComparison.Ordinal));
}

/// <summary>The rows of one <c>serve</c> invocation (medians of its runs), what was skipped and why, and the conditions it ran in.</summary>
internal sealed record ServeResult(IReadOnlyList<Measurement> Measurements, IReadOnlyList<string> Notes, int Partitions, double? LoadBefore, double? LoadAfter);
