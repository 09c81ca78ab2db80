using System.CommandLine;
using Herald.Cli.Brokers;
using Herald.Cli.Parsing;

namespace Herald.Cli.DeadLetterCommands;

/// <summary>The options of every <c>dlq</c> command: where the dead letters are, and whether to print JSON.</summary>
internal sealed class CommonOptions
{
    // As the docs and --help spell them.
    private static readonly (string Word, BrokerKind Value)[] Transports =
        [("embedded", BrokerKind.Embedded), ("rabbitmq", BrokerKind.RabbitMQ), ("nats", BrokerKind.Nats), ("kafka", BrokerKind.Kafka)];

    private readonly CliContext _context;

    public CommonOptions(CliContext context)
    {
        _context = context;
        Data = DataDirectory.CreateOption(context, "The Herald data directory of --transport embedded");
        Transport = new Option<BrokerKind>("--transport")
        {
            // No DefaultValueFactory: help would print the default as the enum spells it (Embedded). Not given, the
            // option's value is default(BrokerKind), Embedded.
            Description = "Where the dead letters are: the embedded log in --data, or the broker at --connection [default: embedded]",
            HelpName = "embedded|rabbitmq|nats|kafka",
            CustomParser = result => Choice.Parse(result, "transport", Transports),
        };
        Connection = new Option<string?>("--connection")
        {
            Description = $"The broker's URI, or Kafka's bootstrap servers [env: {BrokerConnection.RabbitMQEnvironmentVariable}, {BrokerConnection.NatsEnvironmentVariable} or {BrokerConnection.KafkaEnvironmentVariable}; " +
                $"default: {BrokerConnection.DefaultRabbitMQ}, {BrokerConnection.DefaultNats} or {BrokerConnection.DefaultKafka}]",
            HelpName = "URI",
        };
        Prefix = new Option<string>("--prefix")
        {
            Description = "The name prefix the application uses on the broker (the Shop sample: herald-shop)",
            HelpName = "NAME",
            DefaultValueFactory = _ => BrokerConnection.DefaultPrefix,
        };
        Partitions = new Option<int>("--partitions")
        {
            Description = "RabbitMQ: the application's RabbitMQTransportOptions.Partitions, which routes redriven events",
            HelpName = "N",
            DefaultValueFactory = _ => BrokerTarget.DefaultPartitions,
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
                if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 256)
                {
                    return value;
                }

                result.AddError($"--partitions '{text}' is not a whole number from 1 to 256.");
                return 0;
            },
        };
        Json = new Option<bool>("--json") { Description = "Write one JSON document to stdout, and nothing else" };
    }

    /// <summary>Gets <c>--data DIR</c>.</summary>
    public Option<string> Data { get; }

    /// <summary>Gets <c>--transport embedded|rabbitmq|nats|kafka</c>.</summary>
    public Option<BrokerKind> Transport { get; }

    /// <summary>Gets <c>--connection URI</c>.</summary>
    public Option<string?> Connection { get; }

    /// <summary>Gets <c>--prefix NAME</c>.</summary>
    public Option<string> Prefix { get; }

    /// <summary>Gets <c>--partitions N</c>.</summary>
    public Option<int> Partitions { get; }

    /// <summary>Gets <c>--json</c>.</summary>
    public Option<bool> Json { get; }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(Data);
        command.Add(Transport);
        command.Add(Connection);
        command.Add(Prefix);
        command.Add(Partitions);
        command.Add(Json);
    }

    /// <summary>Checks that the location options fit together; called before anything is opened.</summary>
    /// <exception cref="CliException">A usage error (exit code 2).</exception>
    public void Validate(ParseResult parse)
    {
        var broker = parse.GetValue(Transport) != BrokerKind.Embedded;
        if (broker && parse.GetResult(Data) is { Implicit: false })
        {
            throw CliException.Usage("--data applies to --transport embedded; a broker's dead letters are at --connection.");
        }

        if (!broker && (parse.GetResult(Connection) is { Implicit: false } || parse.GetResult(Prefix) is { Implicit: false }))
        {
            throw CliException.Usage("--connection and --prefix apply to --transport rabbitmq, nats and kafka.");
        }

        if (parse.GetValue(Transport) == BrokerKind.Kafka && parse.GetResult(Prefix) is { Implicit: false })
        {
            throw CliException.Usage("--prefix applies to --transport rabbitmq and nats; Kafka's dead letters are in the topic __herald.dead-letters at --connection.");
        }

        if (parse.GetValue(Transport) != BrokerKind.RabbitMQ && parse.GetResult(Partitions) is { Implicit: false })
        {
            throw CliException.Usage("--partitions applies to --transport rabbitmq (NATS and Kafka read each topic's partition count from the broker).");
        }
    }

    /// <summary>Opens the dead letters the options point at: the data directory (with <paramref name="access"/>), or the broker.</summary>
    public async Task<DeadLetterSession> OpenAsync(ParseResult parse, DataDirectoryAccess access, CancellationToken cancellationToken)
    {
        Validate(parse);
        var kind = parse.GetValue(Transport);
        if (kind == BrokerKind.Embedded)
        {
            return await DataDirectory.OpenAsync(parse.GetValue(Data)!, _context, access);
        }

        var (variable, fallback) = kind switch
        {
            BrokerKind.Nats => (BrokerConnection.NatsEnvironmentVariable, BrokerConnection.DefaultNats),
            BrokerKind.Kafka => (BrokerConnection.KafkaEnvironmentVariable, BrokerConnection.DefaultKafka),
            _ => (BrokerConnection.RabbitMQEnvironmentVariable, BrokerConnection.DefaultRabbitMQ),
        };
        var connection = parse.GetValue(Connection) is { Length: > 0 } given ? given
            : _context.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment ? fromEnvironment
            : fallback;
        var target = new BrokerTarget(kind, connection, parse.GetValue(Prefix)!, parse.GetValue(Partitions));
        return _context.OpenBroker is { } open
            ? await open(target, cancellationToken)
            : await BrokerConnection.OpenAsync(target, _context.Time, cancellationToken);
    }
}
