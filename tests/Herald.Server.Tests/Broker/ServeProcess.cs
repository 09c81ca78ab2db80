using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Herald.Server.Tests.Broker;

/// <summary><c>herald serve</c> as a process of its own, to be killed: the tool the tests reference, on a free loopback port.</summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly Process _process;

    private ServeProcess(Process process, string bootstrap) => (_process, Bootstrap) = (process, bootstrap);

    public string Bootstrap { get; }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <c>herald serve</c> on <paramref name="directory"/> and waits for its banner.</summary>
    public static async Task<ServeProcess> StartAsync(string directory, int port)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Herald.Cli.exe" : "Herald.Cli"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["serve", "--data", directory, "--listen", $"127.0.0.1:{port}"])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var banner = await process.StandardOutput.ReadLineAsync(timeout.Token);
        Assert.True(banner?.StartsWith("herald serve: Kafka protocol on", StringComparison.Ordinal) == true, $"herald serve did not start: '{banner}'");
        return new ServeProcess(process, $"127.0.0.1:{port}");
    }

    /// <summary>Kills the process with SIGKILL: no shutdown code runs, as at a crash.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }

        _process.Dispose();
    }
}
