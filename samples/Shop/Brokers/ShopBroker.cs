using Herald.Hosting;
using Herald.Kafka;
using Herald.Nats;
using Herald.RabbitMQ;
using Herald.Transports;
using Shop.CommandLine;

namespace Shop.Brokers;

/// <summary>The brokers the shop runs on: where each is, and the names the shop uses on it.</summary>
/// <remarks>
/// Every name the shop declares starts with <see cref="ShopOptions.Prefix"/>: RabbitMQ exchanges and queues
/// <c>&lt;prefix&gt;.&lt;topic&gt;…</c> and the dead-letter stream <c>&lt;prefix&gt;.__herald.dead-letters</c>; NATS streams
/// <c>&lt;prefix&gt;_&lt;topic&gt;</c>, subjects <c>&lt;prefix&gt;.&lt;topic&gt;.&lt;n&gt;</c> and the buckets
/// <c>&lt;prefix&gt;-dead-letters</c> and <c>&lt;prefix&gt;-sequences</c>. <c>herald dlq --prefix</c> maps a prefix the same way.
/// A broker is one row of <see cref="All"/>: the command line, the connection defaults, the messages and the host read it.
/// </remarks>
internal static class ShopBroker
{
    public const string RabbitMQEnvironmentVariable = "HERALD_RABBITMQ";
    public const string NatsEnvironmentVariable = "HERALD_NATS";
    public const string DefaultRabbitMQ = "amqp://guest:guest@127.0.0.1:5672/";
    public const string DefaultNats = "nats://127.0.0.1:4222";
    public const string KafkaEnvironmentVariable = "HERALD_KAFKA";
    public const string DefaultKafka = "localhost:9092";

    /// <summary>Gets every broker, in the order the usage and the messages name them.</summary>
    public static IReadOnlyList<ShopBrokerKind> All { get; } =
    [
        new(ShopTransport.RabbitMQ, "rabbitmq", "RabbitMQ", RabbitMQEnvironmentVariable, DefaultRabbitMQ, "eng/services.sh rabbitmq", UseRabbitMQ),
        new(ShopTransport.Nats, "nats", "NATS", NatsEnvironmentVariable, DefaultNats, "eng/services.sh nats", UseNats, DropsRepublishedEvents: true),
        new(ShopTransport.Kafka, "kafka", "Kafka", KafkaEnvironmentVariable, DefaultKafka, "herald serve --data herald-serve", UseKafka, NamesByPrefix: false),
    ];

    /// <summary>Returns the broker of <paramref name="transport"/>, or null for a transport inside the process.</summary>
    public static ShopBrokerKind? Find(ShopTransport transport) => All.FirstOrDefault(b => b.Transport == transport);

    /// <summary>Returns the broker's URI: <c>--connection</c>, else the transport's environment variable, else the local default.</summary>
    public static string Connection(ShopOptions options, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var broker = Find(options.Transport) ?? throw new ArgumentException($"{options.Transport} is not a broker.", nameof(options));
        return options.Connection ?? (environment(broker.EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : broker.DefaultConnection);
    }

    /// <summary>Makes <paramref name="herald"/> use the broker of <paramref name="options"/> at <paramref name="connection"/>.</summary>
    /// <exception cref="BrokerUnreachableException">The URI is not a valid one for the broker.</exception>
    public static HeraldBuilder UseShopBroker(this HeraldBuilder herald, ShopOptions options, string connection)
    {
        ArgumentNullException.ThrowIfNull(options);
        var broker = Find(options.Transport) ?? throw new ArgumentException($"{options.Transport} is not a broker.", nameof(options));
        return broker.Use(herald, options, connection);
    }

    private static HeraldBuilder UseNats(HeraldBuilder herald, ShopOptions options, string connection) =>
        herald.UseNats(nats =>
        {
            nats.Url = connection;
            nats.StreamPrefix = options.Prefix;
            nats.SubjectPrefix = options.Prefix;
            nats.DeadLetterBucket = options.Prefix + "-dead-letters";
            nats.SequenceBucket = options.Prefix + "-sequences";

            // The shop's handlers take milliseconds. A delivery the client lost (seen on a loaded machine) comes back
            // only after AckWait, and a restarted reader holds its partition until then to keep order: 30 s instead
            // of the default 5 minutes keeps such a stall well inside the run's 2-minute limit.
            nats.AckWait = TimeSpan.FromSeconds(30);
        });

    // Kafka has no name prefix: the shop's topics and groups are its own names, so runs on one broker share them.
    private static HeraldBuilder UseKafka(HeraldBuilder herald, ShopOptions options, string connection) =>
        herald.UseKafka(kafka =>
        {
            kafka.BootstrapServers = connection;
            kafka.ClientId = "herald-shop";
        });

    private static HeraldBuilder UseRabbitMQ(HeraldBuilder herald, ShopOptions options, string connection)
    {
        if (!Uri.TryCreate(connection, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            throw new BrokerUnreachableException($"'{ConnectionStrings.Redact(connection)}' is not an AMQP URI such as {DefaultRabbitMQ}");
        }

        return herald.UseRabbitMQ(rabbit =>
        {
            rabbit.Uri = uri;
            rabbit.NamePrefix = options.Prefix + ".";
            rabbit.ClientName = "herald-shop";
        });
    }
}
