using Herald.DeadLetters;
using Herald.Kafka;
using Herald.Nats;
using Herald.RabbitMQ;
using Herald.Transports;

namespace Herald.Cli.Brokers;

/// <summary>Opens the dead letters a RabbitMQ, NATS or Kafka application keeps on its broker; redrives go through the same transport.</summary>
/// <remarks>
/// A prefix <c>P</c> names what the application configured: RabbitMQ <c>NamePrefix = "P."</c>; NATS
/// <c>StreamPrefix = SubjectPrefix = "P"</c>, <c>DeadLetterBucket = "P-dead-letters"</c>. The default, <c>herald</c>,
/// gives both transports' defaults; the Shop sample uses <c>herald-shop</c>. Kafka takes no prefix: its dead letters are
/// in the topic <c>__herald.dead-letters</c> and <c>--connection</c> is the bootstrap servers.
/// </remarks>
internal static class BrokerConnection
{
    public const string RabbitMQEnvironmentVariable = "HERALD_RABBITMQ";
    public const string NatsEnvironmentVariable = "HERALD_NATS";
    public const string KafkaEnvironmentVariable = "HERALD_KAFKA";
    public const string DefaultRabbitMQ = "amqp://guest:guest@127.0.0.1:5672/";
    public const string DefaultNats = "nats://127.0.0.1:4222";
    public const string DefaultKafka = "localhost:9092";
    public const string DefaultPrefix = "herald";

    // Long enough for a broker far away or busy replaying a long dead-letter stream, short enough for a wrong address.
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Connects to <paramref name="target"/> and reads its dead letters once, so that an unreachable broker fails here.</summary>
    /// <exception cref="CliException">Exit code <see cref="ExitCodes.BrokerUnreachable"/>: no answer, or a refusal.</exception>
    public static async Task<DeadLetterSession> OpenAsync(BrokerTarget target, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var (transport, store, owner) = Create(target, timeProvider);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout);
            await store.GetAllAsync(timeout.Token);
            Func<IDeadLetters, IDeadLetters>? check = target.Kind == BrokerKind.RabbitMQ ? deadLetters => new RabbitMQRedriveCheck(deadLetters, transport, target) : null;
            return new DeadLetterSession(transport, store, timeProvider, owner, check);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            await owner.DisposeAsync();
            var reason = e is OperationCanceledException ? $"no answer within {ConnectTimeout.TotalSeconds:0} s" : Innermost(e);
            throw new CliException(ExitCodes.BrokerUnreachable, $"cannot connect to {target.Name} at {target.Display} ({reason}); check --connection.", e);
        }
        catch
        {
            await owner.DisposeAsync();
            throw;
        }
    }

    private static (ITransport Transport, IDeadLetterStore Store, IAsyncDisposable Owner) Create(BrokerTarget target, TimeProvider timeProvider)
    {
        if (target.Kind == BrokerKind.Kafka)
        {
            // Listing reads the dead-letter topic and creates nothing; a redrive creates the redrive topic as the application would.
            var kafka = new KafkaTransport(new KafkaTransportOptions { BootstrapServers = target.Connection, ClientId = "herald-cli" }, timeProvider);
            return (kafka, kafka.DeadLetterStore, kafka);
        }

        if (target.Kind == BrokerKind.Nats)
        {
            var nats = new NatsTransport(
                new NatsTransportOptions
                {
                    Url = target.Connection,
                    StreamPrefix = target.Prefix,
                    SubjectPrefix = target.Prefix,
                    DeadLetterBucket = target.Prefix + "-dead-letters",
                    SequenceBucket = target.Prefix + "-sequences",
                },
                timeProvider);
            return (nats, nats.DeadLetterStore, nats);
        }

        if (!Uri.TryCreate(target.Connection, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            throw CliException.Usage($"--connection '{target.Display}' is not an AMQP URI such as {DefaultRabbitMQ}.");
        }

        var rabbit = new RabbitMQTransport(
            new RabbitMQTransportOptions { Uri = uri, NamePrefix = target.Prefix + ".", Partitions = target.Partitions, ClientName = "herald-cli" },
            timeProvider);
        return (rabbit, rabbit.DeadLetterStore, rabbit);
    }

    private static string Innermost(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return $"{e.GetType().Name}: {inner.Message}";
    }
}
