using Herald.Cli.Tests.Brokers;
using Herald.RabbitMQ;
using RabbitMQ.Client;

[assembly: AssemblyFixture(typeof(RabbitMQBroker))]

namespace Herald.Cli.Tests.Brokers;

/// <summary>The local RabbitMQ the broker tests run an application and the CLI against, each test under a prefix of its own.</summary>
/// <remarks>
/// The broker is <c>HERALD_RABBITMQ</c>, default <c>amqp://guest:guest@127.0.0.1:5672/</c> as <c>eng/services.sh rabbitmq</c>
/// starts it. When it is unreachable every test that needs it skips with that message, and fails instead when <c>CI=true</c>.
/// </remarks>
public sealed class RabbitMQBroker : IAsyncLifetime
{
    private IConnection? _connection;
    private string? _unavailable;

    /// <summary>Gets the broker's URI.</summary>
    public static string Uri { get; } = Environment.GetEnvironmentVariable("HERALD_RABBITMQ") is { Length: > 0 } uri ? uri : "amqp://guest:guest@127.0.0.1:5672/";

    /// <summary>Gets a connection for inspecting and cleaning up queues; skips or fails the test when the broker is unreachable.</summary>
    public IConnection Connection
    {
        get
        {
            if (_unavailable is not null)
            {
                if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                {
                    Assert.Fail(_unavailable);
                }

                Assert.Skip(_unavailable);
            }

            return _connection ?? throw new InvalidOperationException("The RabbitMQ fixture has not been initialized.");
        }
    }

    public async ValueTask InitializeAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(Uri), RequestedConnectionTimeout = TimeSpan.FromSeconds(3) };
        try
        {
            _connection = await factory.CreateConnectionAsync("herald-cli-tests").WaitAsync(TimeSpan.FromSeconds(10));
        }
#pragma warning disable CA1031 // Any failure to reach the broker is reported by each test, as a skip or (CI) a failure.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var at = new System.Uri(Uri);
            _unavailable = $"RabbitMQ is not reachable at {at.Host}:{at.Port} ({e.GetType().Name}: {e.Message}). " +
                "Run `eng/services.sh rabbitmq` (as root) to install and start it, or set HERALD_RABBITMQ to a broker's URI.";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    /// <summary>Returns how many messages wait in the partition queues of one consumer group.</summary>
    public async Task<uint> CountMessagesAsync(string prefix, string topic, string group, int partitions)
    {
        await using var channel = await Connection.CreateChannelAsync();
        uint count = 0;
        for (var partition = 0; partition < partitions; partition++)
        {
            count += (await channel.QueueDeclarePassiveAsync(RabbitMQNames.Queue(prefix, topic, group, partition))).MessageCount;
        }

        return count;
    }

    /// <summary>Deletes what the transport declares for the given groups under <paramref name="prefix"/>, and the dead-letter stream; missing ones are ignored.</summary>
    public async Task DeleteAsync(string prefix, IEnumerable<(string Topic, string Group)> groups, int partitions)
    {
        await using var channel = await Connection.CreateChannelAsync();
        foreach (var topic in groups.GroupBy(g => g.Topic, g => g.Group))
        {
            await RabbitMQTopology.DeleteAsync(channel, prefix, topic.Key, topic, partitions);
        }

        await channel.QueueDeleteAsync(RabbitMQNames.DeadLetterStream(prefix), ifUnused: false, ifEmpty: false);
    }
}
