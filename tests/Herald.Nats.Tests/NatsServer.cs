using Herald.Nats.Tests;
using NATS.Client.Core;
using NATS.Client.JetStream;

[assembly: AssemblyFixture(typeof(NatsServer))]

namespace Herald.Nats.Tests;

/// <summary>
/// The one NATS connection of the test run. Every stream the run creates starts with <see cref="StreamPrefix"/> and
/// every key-value bucket with <see cref="BucketPrefix"/>; all of them are deleted at the end.
/// </summary>
/// <remarks>
/// The server is <c>HERALD_NATS</c>, default nats://127.0.0.1:4222 as <c>eng/services.sh nats</c> starts it, with
/// JetStream. When it is unreachable every test that needs it skips with that message, and fails instead when
/// <c>CI=true</c>.
/// </remarks>
public sealed class NatsServer : IAsyncLifetime
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private NatsConnection? _connection;
    private string? _unavailable;

    /// <summary>Gets the server URL.</summary>
    public string Url { get; } = Environment.GetEnvironmentVariable("HERALD_NATS") is { Length: > 0 } url ? url : "nats://127.0.0.1:4222";

    /// <summary>Gets the stream prefix of this run.</summary>
    public string StreamPrefix => "herald-test-" + _run;

    /// <summary>Gets the dead-letter bucket prefix of this run.</summary>
    public string BucketPrefix => "herald-test-dlq-" + _run;

    /// <summary>Gets the shared connection; skips or fails the test when the server is unreachable.</summary>
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

    /// <summary>Creates transport options on the shared connection with names of this run.</summary>
    public NatsTransportOptions NewOptions() => new()
    {
        Connection = Connection,
        StreamPrefix = StreamPrefix,
        SubjectPrefix = StreamPrefix,
        PartitionsPerTopic = 4,
        DeadLetterBucket = $"{BucketPrefix}-{Guid.NewGuid():N}",
        SequenceBucket = $"{BucketPrefix}-{Guid.NewGuid():N}",
        LeaseBucket = $"{BucketPrefix}-leases",
        LeaseDuration = TimeSpan.FromSeconds(3),

        // Tests watch the lag move; NatsTransportTests checks the kept reading on its own transport.
        LagCacheDuration = TimeSpan.Zero,
    };

    public async ValueTask InitializeAsync()
    {
        _connection = new NatsConnection(new NatsOpts { Url = Url, Name = "herald-tests", ConnectTimeout = TimeSpan.FromSeconds(3) });
        try
        {
            await _connection.ConnectAsync();
            await new NatsJSContext(_connection).GetAccountInfoAsync();
        }
#pragma warning disable CA1031 // Any failure to reach the server is reported by each test, as a skip or (CI) a failure.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _unavailable =
                $"NATS with JetStream is not reachable at {Url} ({e.GetType().Name}: {e.Message}). " +
                "Run `eng/services.sh nats` (as root) to install and start it, or set HERALD_NATS to a server's URL.";
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is null)
        {
            return;
        }

        var jetStream = new NatsJSContext(_connection);
        await foreach (var stream in jetStream.ListStreamNamesAsync())
        {
            if (stream.StartsWith(StreamPrefix, StringComparison.Ordinal) || stream.StartsWith("KV_" + BucketPrefix, StringComparison.Ordinal))
            {
                await jetStream.DeleteStreamAsync(stream);
            }
        }

        await _connection.DisposeAsync();
    }
}
