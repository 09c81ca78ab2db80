using System.Net;
using Herald.Kafka.Tests;
using Herald.Server;

[assembly: AssemblyFixture(typeof(KafkaServer))]

namespace Herald.Kafka.Tests;

/// <summary>The Kafka broker of the test run: <c>herald serve</c> hosted in this process on a free loopback port over a
/// temporary data directory, deleted at the end. Every test uses topics and groups of its own.</summary>
/// <remarks>No broker to install: it is Herald's own, so these tests never skip for want of one (the member-process test
/// charges through PostgreSQL as well, see <see cref="ChargeDatabase"/>). Groups rebalance at once
/// (no initial delay), so a test's consumers get their partitions within a round trip or two.</remarks>
public sealed class KafkaServer : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"herald-kafka-tests-{Guid.NewGuid():N}");

    public HeraldServer Server { get; private set; } = null!;

    /// <summary>Gets the address Kafka clients bootstrap from.</summary>
    public string Bootstrap => Server.AdvertisedAddress;

    /// <summary>Creates transport options for this server with a dead-letter topic of their own.</summary>
    public KafkaTransportOptions NewOptions() => NewOptions(Bootstrap);

    /// <summary>Creates transport options for the server at <paramref name="bootstrap"/> with a dead-letter topic of their own.</summary>
    public static KafkaTransportOptions NewOptions(string bootstrap)
    {
        var options = new KafkaTransportOptions
        {
            BootstrapServers = bootstrap,
            Partitions = 4,
            DeadLetterTopic = KafkaTestSupport.Unique("dead-letters"),
            SessionTimeout = TimeSpan.FromSeconds(6),
            // Tests watch the lag move.
            LagCacheDuration = TimeSpan.Zero,
            DeadLetterListCacheDuration = TimeSpan.Zero,
        };
        // A dead-letter topic of its own name gets the server's default options there, not a compacted one: no configs.
        options.DeadLetterTopicConfigs.Clear();
        return options;
    }

    /// <summary>The options the tests' servers run with: <paramref name="directory"/> on <paramref name="port"/> (0: a free one), groups rebalancing at once.</summary>
    public static HeraldServerOptions ServerOptions(string directory, int port = 0) => new()
    {
        DataDirectory = directory,
        Listen = new IPEndPoint(IPAddress.Loopback, port),
        GroupInitialRebalanceDelay = TimeSpan.Zero,
    };

    public async ValueTask InitializeAsync()
    {
        Server = new HeraldServer(ServerOptions(_directory));
        await Server.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
