using Herald.DeadLetters;
using Herald.RabbitMQ;
using RabbitMQ.Client;
using Shop.Tests.Brokers;

[assembly: AssemblyFixture(typeof(RabbitMQBroker))]

namespace Shop.Tests.Brokers;

/// <summary>The local RabbitMQ the broker tests run the shop against, each under a name prefix of its own.</summary>
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

    /// <summary>Gets a connection for cleaning up; skips or fails the test when the broker is unreachable.</summary>
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
            _connection = await factory.CreateConnectionAsync("shop-tests").WaitAsync(TimeSpan.FromSeconds(10));
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

    /// <summary>Deletes every exchange, queue and stream the shop declares under <paramref name="prefix"/>, with their messages.</summary>
    public async Task DeleteShopTopologyAsync(string prefix, int partitions)
    {
        string[] topics = ["order.created", "payment.completed", "payment.failed", "inventory.reserved", "inventory.reservation-failed"];
        (string Topic, string Group)[] subscriptions = [("order.created", "payment"), ("order.created", "inventory"), ("payment.completed", "notification"), ("payment.failed", "notification")];
        (string Topic, string[] Groups)[] declared =
        [
            .. topics.Select(t => (t, subscriptions.Where(s => s.Topic == t).Select(s => s.Group).ToArray())),
            .. subscriptions.Select(s => (DeadLetterQueues.RedriveTopic(s.Topic, s.Group), new[] { s.Group })),
        ];
        await using var channel = await Connection.CreateChannelAsync();
        foreach (var (topic, groups) in declared)
        {
            await RabbitMQTopology.DeleteAsync(channel, prefix + ".", topic, groups, partitions);
        }

        await channel.QueueDeleteAsync(RabbitMQNames.DeadLetterStream(prefix + "."), ifUnused: false, ifEmpty: false);
    }
}
