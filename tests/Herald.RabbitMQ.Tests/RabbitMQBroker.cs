using Herald.Conformance.Restarts;
using Herald.RabbitMQ.Tests;
using RabbitMQ.Client;

[assembly: AssemblyFixture(typeof(RabbitMQBroker))]

namespace Herald.RabbitMQ.Tests;

/// <summary>The one RabbitMQ connection of the test run; every test makes transports over it with names of its own.</summary>
/// <remarks>
/// The broker is <c>HERALD_RABBITMQ</c>, default <c>amqp://guest:guest@127.0.0.1:5672/</c> as <c>eng/services.sh rabbitmq</c>
/// starts it. When it is unreachable every test that needs it skips with that message, and fails instead when <c>CI=true</c>.
/// </remarks>
public sealed class RabbitMQBroker : IAsyncLifetime
{
    private IConnection? _connection;
    private string? _unavailable;

    /// <summary>Gets the broker's URI.</summary>
    public static Uri Uri { get; } = new(Environment.GetEnvironmentVariable("HERALD_RABBITMQ") is { Length: > 0 } uri ? uri : "amqp://guest:guest@127.0.0.1:5672/");

    /// <summary>Gets the shared connection; skips or fails the test when the broker is unreachable.</summary>
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

    /// <summary>Skips or fails the test unless the broker is up and is the local one that rabbitmqctl can stop and start.</summary>
    public void RequireRestartable()
    {
        _ = Connection;
        RestartPrerequisites.Require(
            File.Exists("/usr/sbin/rabbitmqctl") && Uri.Host is ("127.0.0.1" or "localhost"),
            "Restarting the broker needs the local RabbitMQ of `eng/services.sh rabbitmq` and rabbitmqctl.");
    }

    public async ValueTask InitializeAsync()
    {
        var factory = RabbitMQTransport.CreateConnectionFactory(NewOptions());
        factory.RequestedConnectionTimeout = TimeSpan.FromSeconds(3);
        try
        {
            _connection = await factory.CreateConnectionAsync("herald-tests").WaitAsync(TimeSpan.FromSeconds(10));
        }
#pragma warning disable CA1031 // Any failure to reach the broker is reported by each test, as a skip or (CI) a failure.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _unavailable = $"RabbitMQ is not reachable at {Uri.Host}:{Uri.Port} ({e.GetType().Name}: {e.Message}). " +
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

    /// <summary>Returns options with a name prefix no other test uses, four partitions and fast reconnection.</summary>
    public static RabbitMQTransportOptions NewOptions() => new()
    {
        Uri = Uri,
        NamePrefix = $"herald-test.{Guid.NewGuid():N}.",
        Partitions = 4,
        NetworkRecoveryInterval = TimeSpan.FromMilliseconds(500),
        RebalanceInterval = TimeSpan.FromMilliseconds(200),

        // Tests watch the lag move; RabbitMQTransportTests checks the kept reading on its own transport.
        LagCacheDuration = TimeSpan.Zero,
    };

    /// <summary>Creates a transport over the shared connection.</summary>
    public RabbitMQTransport CreateTransport(RabbitMQTransportOptions? options = null, TimeProvider? timeProvider = null, Microsoft.Extensions.Logging.ILogger? logger = null) =>
        new(Connection, options ?? NewOptions(), timeProvider, logger);
}
