using System.Net;
using Herald.Log;
using Herald.Server;

namespace Herald.Bench.Serve;

/// <summary>An in-process <see cref="HeraldServer"/> on a free loopback port over a fresh data directory, deleted when disposed.</summary>
/// <remarks>The server keeps its defaults (FlushPolicy.Always: a produce is answered once fsynced) except the partitions of
/// the topics it creates itself and, when given, the groups' initial rebalance delay.</remarks>
internal sealed class ServeScope : IAsyncDisposable
{
    private readonly string _directory;

    private ServeScope(string directory, HeraldServer server)
    {
        _directory = directory;
        Server = server;
    }

    public HeraldServer Server { get; }

    /// <summary>Gets the address Kafka clients bootstrap from.</summary>
    public string Bootstrap => Server.AdvertisedAddress;

    public static async Task<ServeScope> StartAsync(string root, int partitions, TimeSpan? groupInitialRebalanceDelay = null)
    {
        var directory = Path.Combine(root, $"serve-{Guid.NewGuid():N}");
        var log = new EmbeddedLogOptions();
        log.DefaultTopic.Partitions = partitions;
        var options = new HeraldServerOptions { DataDirectory = directory, Listen = new IPEndPoint(IPAddress.Loopback, 0), Log = log };
        if (groupInitialRebalanceDelay is { } delay)
        {
            options.GroupInitialRebalanceDelay = delay;
        }

        var server = new HeraldServer(options);
        await server.StartAsync();
        return new ServeScope(directory, server);
    }

    /// <summary>Creates a topic with the scope's partitions, outside any measurement, and returns its name.</summary>
    public string CreateTopic(string name)
    {
        _ = Server.Log.GetOrCreateTopic(name);
        return name;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
