using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Shop.Brokers;
using Shop.Services;

namespace Shop.CommandLine;

/// <summary>Parses the shop's command line: <c>--name value</c> or <c>--name=value</c>, in any order.</summary>
internal static class ShopCommandLine
{
    public const int MaxRate = 1_000_000;

    public const int MaxPort = 65_535;

    /// <summary>The longest <c>--timeout</c>: a day.</summary>
    public const int MaxTimeoutSeconds = 86_400;

    // Bounded so that the longest RabbitMQ queue and NATS stream names the shop derives stay far below their limits.
    private const int MaxPrefixLength = 40;

    public const string Usage = """
        Herald Shop: orders flow to payment, inventory and notification services over Herald.

        Usage: Shop [--orders N] [--rate R] [--duplicates D] [--poison P]
                    [--transport embedded|inmemory|rabbitmq|nats|kafka] [--data DIR] [--fresh]
                    [--connection URI] [--prefix NAME] [--json] [--metrics-port P]
                    [--timeout S]
                    [--service orders|payment|inventory|notification --run ID]
               Shop --combine FILE [--json]

          --orders N     orders to publish (default 1000); 0 publishes until Ctrl+C
          --rate R       orders per second, 1 to 1000000 (default: as fast as possible,
                         or 100 with --orders 0)
          --duplicates D once the orders are handled, send D of them again, same event
                         id, straight to the transport (default 0, at most --orders);
                         the inboxes skip them: nothing is charged twice
          --poison P     send P order.created events whose payload is not JSON straight
                         to the transport (default 0); Herald dead-letters them at once
          --transport T  embedded (default): Herald's durable log in the data directory;
                         inmemory: nothing outlives the run (no --data, no --fresh);
                         rabbitmq, nats, kafka: the broker at --connection
                         (kafka: Kafka or herald serve)
          --data DIR     the data directory (default herald-data, or on a broker
                         herald-data-<transport> such as herald-data-kafka,
                         relative to the working directory); the shop's SQLite database (orders, charges,
                         outbox, inbox) is DIR/shop.db, the embedded log is the rest
          --fresh        delete what earlier runs left in the data directory (the log,
                         shop.db), to start from nothing; anything else in it is kept
                         (embedded only; on rabbitmq and nats, choose a new --prefix)
          --connection URI
                         the broker (default: env HERALD_RABBITMQ, HERALD_NATS or
                         HERALD_KAFKA, else amqp://guest:guest@127.0.0.1:5672/,
                         nats://127.0.0.1:4222 or localhost:9092)
          --prefix NAME  the first part of every queue, stream and bucket name on
                         rabbitmq and nats (default herald-shop; letters, digits, -
                         and _); runs with the same prefix share them and resume each
                         other's work (kafka: the topics are the events' names)
          --json         end the output with one JSON line holding the counters
          --metrics-port P
                         serve Herald's metrics as Prometheus text at
                         http://127.0.0.1:P/metrics while the shop runs, --orders 0
                         included (P from 1 to 65535)
          --timeout S    seconds to wait for the services to handle the run's orders
                         and what earlier runs left (default 120, 1 to 86400); raise
                         it to catch up on a large backlog
          --service S    run one service alone, as a process of its own (orders,
                         payment, inventory or notification), on a broker the four
                         share (not the embedded log, which one process holds); each
                         keeps its database in DIR/S and ends once it has done its part
                         of the run's --orders; default prefix herald-shop-services
          --run ID       the run the services take part in (letters and digits; give
                         all four the same); the orders service makes one up if not
                         given, and prints it
          --combine FILE add up the JSON lines the four services printed (one per line
                         in FILE) into one summary, as the one-process Shop prints it
          --help         show this help

        Each option may be given once.

        Orders and their order.created commit in one SQLite transaction (the outbox);
        payment times out once on about one order in twenty and Herald retries it;
        payment and inventory skip events they already handled (the inbox). With
        --transport inmemory the database is a temp file deleted at exit.

        Events, consumer offsets, dead letters and the database persist in the data
        directory, so a second run resumes where the first stopped: it handles what
        the first left undone once (reported as earlier-run events) and nothing twice.
        The summary counts this run's orders only. One process at a time may use a
        data directory.

        A damaged partition of the embedded log does not stop the shop: it prints one
        line naming the partition, the file, the byte offset and the repair command,
        serves the other partitions, keeps the events bound for the damaged one in
        the outbox, and ends degraded once everything else is handled.

        The summary goes to standard output; progress and logs go to standard error.
        Set Logging__LogLevel__Shop=Debug to see the first e-mails the shop writes.
        Exit codes: 0 done, 1 timed out waiting for the handlers, 2 bad arguments,
        3 the data directory is in use by another process, 4 the broker cannot be
        reached, 5 the data directory or its database cannot be used (it cannot be
        created, is a file, is not writable, shop.db does not open, or a group's
        offsets file is damaged), 6 degraded: damaged partitions kept some events
        from being handled, 130 interrupted before all orders were handled.

        """;

    // Every option the shop knows, for the "did you mean" of a mistyped one.
    private static readonly string[] Options =
    [
        "--orders", "--rate", "--duplicates", "--poison", "--transport", "--data", "--fresh", "--connection", "--prefix",
        "--json", "--metrics-port", "--timeout", "--service", "--run", "--combine", "--help",
    ];

    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out ShopOptions? options, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        options = new ShopOptions();
        error = null;
        var dataGiven = false;
        var given = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count && error is null; i++)
        {
            var (name, inlineValue) = Split(args[i]);

            // The last of two values would win silently, and a user who typed two data directories meant one of them.
            if (name.StartsWith("--", StringComparison.Ordinal) && name != "--help" && !given.Add(name))
            {
                error = $"{name} was given more than once; give it once";
                break;
            }

            switch (name)
            {
                case "--help" or "-h" or "-?":
                    options = options with { Help = true };
                    break;
                case "--json":
                    error = inlineValue is null ? null : "--json takes no value";
                    options = options with { Json = true };
                    break;
                case "--fresh":
                    error = inlineValue is null ? null : "--fresh takes no value";
                    options = options with { Fresh = true };
                    break;
                case "--orders":
                    error = TryReadNumber(args, ref i, name, inlineValue, 0, int.MaxValue, out var orders);
                    options = options with { Orders = orders };
                    break;
                case "--rate":
                    error = TryReadNumber(args, ref i, name, inlineValue, 1, MaxRate, out var rate);
                    options = options with { Rate = rate };
                    break;
                case "--duplicates":
                    error = TryReadNumber(args, ref i, name, inlineValue, 0, int.MaxValue, out var duplicates);
                    options = options with { Duplicates = duplicates };
                    break;
                case "--poison":
                    error = TryReadNumber(args, ref i, name, inlineValue, 0, int.MaxValue, out var poison);
                    options = options with { Poison = poison };
                    break;
                case "--metrics-port":
                    error = TryReadNumber(args, ref i, name, inlineValue, 1, MaxPort, out var port);
                    options = options with { MetricsPort = port };
                    break;
                case "--timeout":
                    error = TryReadNumber(args, ref i, name, inlineValue, 1, MaxTimeoutSeconds, out var timeout);
                    options = options with { TimeoutSeconds = timeout };
                    break;
                case "--transport":
                    error = TryReadTransport(args, ref i, inlineValue, out var transport);
                    options = options with { Transport = transport };
                    break;
                case "--connection":
                    var connection = ReadValue(args, ref i, inlineValue);
                    error = string.IsNullOrWhiteSpace(connection) ? "--connection needs a URI" : null;
                    options = options with { Connection = connection };
                    break;
                case "--prefix":
                    var prefix = ReadValue(args, ref i, inlineValue);
                    error = IsValidPrefix(prefix) ? null : $"--prefix must be 1 to {MaxPrefixLength} letters, digits, '-' or '_', not '{prefix}'";
                    options = options with { Prefix = prefix ?? string.Empty };
                    break;
                case "--service":
                    var serviceName = ReadValue(args, ref i, inlineValue);
                    var service = ShopServiceNames.Parse(serviceName);
                    error = service is null ? $"--service must be one of {string.Join(", ", ShopServiceNames.All.Select(s => s.Name()))}, not '{serviceName}'" : null;
                    options = options with { Service = service };
                    break;
                case "--run":
                    var runId = ReadValue(args, ref i, inlineValue);
                    error = ServiceCommandLine.IsValidRunId(runId) ? null : $"--run must be 1 to {ServiceCommandLine.MaxRunIdLength} letters and digits, not '{runId}'";
                    options = options with { RunId = runId };
                    break;
                case "--combine":
                    var combine = ReadValue(args, ref i, inlineValue);
                    error = string.IsNullOrWhiteSpace(combine) ? "--combine needs a file" : null;
                    options = options with { Combine = combine };
                    break;
                case "--data":
                    var directory = ReadValue(args, ref i, inlineValue);
                    error = string.IsNullOrWhiteSpace(directory) ? "--data needs a directory" : null;
                    options = options with { DataDirectory = directory ?? string.Empty };
                    dataGiven = true;
                    break;
                default:
                    error = !name.StartsWith('-') ? $"unexpected argument '{name}'"
                        : OptionSuggestion.Nearest(name, Options) is { } nearest ? $"unknown option '{name}' (did you mean '{nearest}'?)"
                        : $"unknown option '{name}'";
                    break;
            }
        }

        error ??= ServiceCommandLine.CheckCombine(options, given);
        error ??= CheckTransport(options, dataGiven, args);
        error ??= ServiceCommandLine.Check(options);
        if (error is null && !dataGiven)
        {
            options = options with { DataDirectory = ShopOptions.DefaultDataDirectoryFor(options.Transport) };
        }

        if (error is null && options.Service is not null && !given.Contains("--prefix"))
        {
            options = options with { Prefix = ShopOptions.DefaultServicesPrefix };
        }

        error ??= CheckInjections(options);
        options = error is null ? options : null;
        return error is null;
    }

    /// <returns>An error message when an option does not apply to the transport, else null.</returns>
    private static string? CheckTransport(ShopOptions options, bool dataGiven, IReadOnlyList<string> args)
    {
        // Accepting them silently would let a user believe the run kept, cleared or connected to something it did not.
        if (options.Transport == ShopTransport.InMemory && (dataGiven || options.Fresh))
        {
            return "--data and --fresh apply to the embedded transport; --transport inmemory keeps nothing";
        }

        var broker = ShopBroker.Find(options.Transport);
        if (broker is not null && options.Fresh)
        {
            // Deleting the database but not the broker's queues would leave their events without the inbox that skips them.
            return broker.NamesByPrefix
                ? "--fresh applies to the embedded transport; on a broker, choose a new --prefix to start from nothing"
                : $"--fresh applies to the embedded transport; on {broker.Product}, use a broker (or a herald serve data directory) no earlier run used to start from nothing";
        }

        var prefixGiven = args.Any(a => a == "--prefix" || a.StartsWith("--prefix=", StringComparison.Ordinal));
        if (broker is null && (options.Connection is not null || prefixGiven))
        {
            return $"--connection and --prefix apply to --transport {BrokerNames("and")}";
        }

        // A prefix the shop cannot put on the broker's names would let two runs believe they were kept apart.
        return broker is { NamesByPrefix: false } && prefixGiven
            ? $"--prefix applies to --transport {BrokerNames("and", prefixed: true)}; on {broker.Product} the topics are the events' names and the groups the services': use another broker (or herald serve data directory) to keep runs apart"
            : null;
    }

    private static bool IsValidPrefix(string? prefix) =>
        prefix is { Length: > 0 and <= MaxPrefixLength } && prefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <returns>An error message when the injections do not fit the run, else null.</returns>
    private static string? CheckInjections(ShopOptions options)
    {
        if (options.RunsUntilStopped && (options.Duplicates > 0 || options.Poison > 0))
        {
            // The shop injects once every order is handled, which an endless run never reaches.
            return "--duplicates and --poison need a finite run; --orders 0 runs until Ctrl+C";
        }

        // Each duplicate is a different order sent again; more duplicates than orders would have to repeat one.
        return options.Duplicates > options.Orders
            ? string.Create(CultureInfo.InvariantCulture, $"--duplicates ({options.Duplicates}) cannot exceed --orders ({options.Orders}): each duplicate re-sends a different order")
            : null;
    }

    private static (string Name, string? Value) Split(string argument)
    {
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        return argument.StartsWith("--", StringComparison.Ordinal) && equals > 0
            ? (argument[..equals], argument[(equals + 1)..])
            : (argument, null);
    }

    /// <returns>The inline value, else the next argument unless it is an option, else null.</returns>
    private static string? ReadValue(IReadOnlyList<string> args, ref int index, string? inlineValue) =>
        inlineValue ?? (index + 1 < args.Count && !args[index + 1].StartsWith("--", StringComparison.Ordinal) ? args[++index] : null);

    /// <returns>An error message, or null when <paramref name="value"/> was read.</returns>
    private static string? TryReadNumber(IReadOnlyList<string> args, ref int index, string name, string? inlineValue, int min, int max, out int value)
    {
        value = 0;
        var text = ReadValue(args, ref index, inlineValue);
        if (text is null)
        {
            return $"{name} needs a value";
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{name} must be a whole number from {min} to {max}, not '{text}'");
    }

    /// <returns>An error message, or null when <paramref name="transport"/> was read.</returns>
    private static string? TryReadTransport(IReadOnlyList<string> args, ref int index, string? inlineValue, out ShopTransport transport)
    {
        var text = ReadValue(args, ref index, inlineValue);
        transport = ShopTransport.Embedded;
        if (text is null)
        {
            return $"--transport needs a value: embedded, inmemory, {BrokerNames("or")}";
        }

        transport = text.ToUpperInvariant() switch
        {
            "EMBEDDED" => ShopTransport.Embedded,
            "INMEMORY" => ShopTransport.InMemory,
            _ => ShopBroker.All.FirstOrDefault(b => string.Equals(b.Name, text, StringComparison.OrdinalIgnoreCase))?.Transport ?? (ShopTransport)(-1),
        };
        return Enum.IsDefined(transport)
            ? null
            : $"--transport must be 'embedded', 'inmemory', {BrokerNames("or", quoted: true)}, not '{text}'";
    }

    /// <summary>Returns the brokers' names as a list: <c>rabbitmq and nats</c>, or <c>'rabbitmq' or 'nats'</c>.</summary>
    internal static string BrokerNames(string conjunction, bool quoted = false, bool prefixed = false)
    {
        var names = ShopBroker.All.Where(b => !prefixed || b.NamesByPrefix).Select(b => quoted ? $"'{b.Name}'" : b.Name).ToList();
        return names.Count == 1 ? names[0] : $"{string.Join(", ", names[..^1])} {conjunction} {names[^1]}";
    }
}
