using System.Net;

[assembly: AssemblyFixture(typeof(Herald.Server.Tests.Broker.ServerFixture))]

namespace Herald.Server.Tests.Broker;

/// <summary>One herald serve for the whole test assembly, on a free loopback port over a temporary data directory;
/// every test uses topics of its own.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private bool _owned = true;
    private string _directory = Path.Combine(Path.GetTempPath(), $"herald-serve-tests-{Guid.NewGuid():N}");

    public HeraldServer Server { get; private set; } = null!;

    /// <summary>Gets the address Kafka clients bootstrap from.</summary>
    public string Bootstrap => Server.AdvertisedAddress;

    /// <summary>A fixture over an existing data directory, which disposing it does not delete; call <see cref="InitializeAsync"/>.</summary>
    public static ServerFixture Over(string directory) => new() { _directory = directory, _owned = false };

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public async ValueTask InitializeAsync()
    {
        Server = new HeraldServer(new HeraldServerOptions { DataDirectory = _directory, Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        await Server.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (_owned)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Runs kcat with <paramref name="arguments"/> against the server; returns stdout, failing the test on a non-zero exit.</summary>
    public Task<string> KcatAsync(params string[] arguments) => KcatWithInputAsync(null, arguments);

    /// <summary>Runs kcat with <paramref name="arguments"/> against the server, feeding <paramref name="input"/>; returns stdout, failing the test on a non-zero exit.</summary>
    public async Task<string> KcatWithInputAsync(string? input, params string[] arguments)
    {
        var (code, output, error) = await Kcat.RunAsync(Bootstrap, input, arguments);
        Assert.True(code == 0, $"kcat {string.Join(' ', arguments)} exited with {code}: {error}");
        return output;
    }
}
