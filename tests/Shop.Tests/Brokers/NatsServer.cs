using NATS.Client.Core;
using NATS.Client.JetStream;
using Shop.Tests.Brokers;

[assembly: AssemblyFixture(typeof(NatsServer))]

namespace Shop.Tests.Brokers;

/// <summary>The local NATS server the broker tests run the shop against, each under a name prefix of its own.</summary>
/// <remarks>
/// The server is <c>HERALD_NATS</c>, default nats://127.0.0.1:4222 as <c>eng/services.sh nats</c> starts it, with JetStream.
/// When it is unreachable every test that needs it skips with that message, and fails instead when <c>CI=true</c>.
/// </remarks>
public sealed class NatsServer : IAsyncLifetime
{
    private NatsConnection? _connection;
    private string? _unavailable;

    /// <summary>Gets the server URL.</summary>
    public static string Url { get; } = Environment.GetEnvironmentVariable("HERALD_NATS") is { Length: > 0 } url ? url : "nats://127.0.0.1:4222";

    /// <summary>Gets a connection for cleaning up; skips or fails the test when the server is unreachable.</summary>
    public INatsConnection Connection
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

            return _connection ?? throw new InvalidOperationException("The NATS fixture has not been initialized.");
        }
    }

    public async ValueTask InitializeAsync()
    {
        _connection = new NatsConnection(new NatsOpts { Url = Url, Name = "shop-tests", ConnectTimeout = TimeSpan.FromSeconds(3) });
        try
        {
            await _connection.ConnectAsync();
            await new NatsJSContext(_connection).GetAccountInfoAsync();
        }
#pragma warning disable CA1031 // Any failure to reach the server is reported by each test, as a skip or (CI) a failure.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _unavailable = $"NATS with JetStream is not reachable at {Url} ({e.GetType().Name}: {e.Message}). " +
                "Run `eng/services.sh nats` (as root) to install and start it, or set HERALD_NATS to a server's URL.";
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    /// <summary>Deletes the streams and key-value buckets the shop creates under <paramref name="prefix"/>.</summary>
    public async Task DeleteShopStreamsAsync(string prefix)
    {
        var jetStream = new NatsJSContext((NatsConnection)Connection);
        var streams = new List<string>();
        await foreach (var stream in jetStream.ListStreamNamesAsync())
        {
            if (stream.StartsWith(prefix + "_", StringComparison.Ordinal) || stream.StartsWith($"KV_{prefix}-", StringComparison.Ordinal))
            {
                streams.Add(stream);
            }
        }

        foreach (var stream in streams)
        {
            await jetStream.DeleteStreamAsync(stream);
        }
    }
}
