using System.Net;
using System.Net.Sockets;

namespace Herald.Eng.Tests;

/// <summary>
/// A services directory and NATS ports of the test's own, so that eng/services.sh never sees, stops or restarts the
/// shared services; the NATS server it may start there is stopped at the end.
/// </summary>
internal sealed class ServicesSandbox : IAsyncDisposable
{
    private readonly List<TcpListener> _held = [];

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "herald-eng-" + Guid.NewGuid().ToString("N")[..12]);

    public int NatsPort { get; } = ScriptRun.FreePort();

    public int NatsMonitorPort { get; } = ScriptRun.FreePort();

    public string NatsDirectory => Path.Combine(Directory, "nats");

    /// <summary>Listens on a free loopback port until the end of the test, as another program would, and returns it.</summary>
    public int Hold()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _held.Add(listener);
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Returns the environment of a script run in this sandbox, outside CI, with the given variables on top.</summary>
    public Dictionary<string, string?> Environment(params (string Name, string? Value)[] variables)
    {
        var environment = new Dictionary<string, string?>
        {
            ["HERALD_SERVICES_DIR"] = Directory,
            ["HERALD_NATS_PORT"] = NatsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["HERALD_NATS_MONITOR_PORT"] = NatsMonitorPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["HERALD_NATS"] = null,
            ["CI"] = null,
        };
        foreach (var (name, value) in variables)
        {
            environment[name] = value;
        }

        return environment;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _held)
        {
            listener.Dispose();
        }

        if (File.Exists(Path.Combine(NatsDirectory, "nats.pid")))
        {
            var stop = await ScriptRun.RunAsync("eng/services.sh", ["--stop", "nats"], Environment(), TimeSpan.FromSeconds(30));
            Assert.True(stop.ExitCode == 0, $"stopping the sandbox's nats-server failed: {stop}");
        }

        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
