using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Herald.Log;

namespace Herald.Cli.Tests;

/// <summary>
/// <c>herald log</c> and <c>herald dlq</c> on a data directory that <c>herald serve</c> holds: they run in the server, on
/// the log it holds; a command that needs the directory to itself is refused; a stopped or killed server leaves nothing
/// in the way. Every herald here is a process of its own, as an operator's would be.
/// </summary>
public sealed class ServedDataDirectoryTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-served-" + Guid.NewGuid().ToString("N"));
    private Process? _server;

    public void Dispose()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            _server.WaitForExit();
        }

        _server?.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task LogAndDlqList_WhileServed_RunInTheServer_WithARelativeDataDirectory()
    {
        await SeededDataDirectory.WriteAsync(_directory, deadLetters: 3);
        await StartServerAsync();

        var log = await RunAsync(Path.GetDirectoryName(_directory)!, "log", "--data", Path.GetFileName(_directory), "--json");
        Assert.True(log.Code == 0, log.Error);
        var report = JsonDocument.Parse(log.Output).RootElement;
        Assert.Contains(report.GetProperty("partitions").EnumerateArray(), p => p.GetProperty("name").GetString() == "orders-1" && p.GetProperty("endOffset").GetInt64() == 6);

        var list = await RunAsync(null, "dlq", "list", "--data", _directory, "--json");
        Assert.True(list.Code == 0, list.Error);
        Assert.Equal(["evt-01", "evt-02", "evt-03"], JsonDocument.Parse(list.Output).RootElement.EnumerateArray().Select(l => l.GetProperty("eventId").GetString()).Order());
        Assert.Equal("", list.Error);
    }

    [Fact]
    public async Task RedriveAndPurge_WhileServed_ChangeTheServedLog_AndListingChangesNothing()
    {
        await SeededDataDirectory.WriteAsync(_directory, deadLetters: 3);
        await StartServerAsync();

        var dryRun = await RunAsync(null, "dlq", "redrive", "--data", _directory, "--all", "--dry-run");
        Assert.True(dryRun.Code == 0, dryRun.Error);
        var redrive = await RunAsync(null, "dlq", "redrive", "--data", _directory, "evt-01", "evt-02", "--yes");
        Assert.True(redrive.Code == 0, redrive.Error);
        var purge = await RunAsync(null, "dlq", "purge", "--data", _directory, "evt-03", "--yes");
        Assert.True(purge.Code == 0, purge.Error);

        var list = await RunAsync(null, "dlq", "list", "--data", _directory, "--include-redriven", "--json");
        var letters = JsonDocument.Parse(list.Output).RootElement.EnumerateArray().ToDictionary(l => l.GetProperty("eventId").GetString()!, l => l.GetProperty("status").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["evt-01"] = "redriven", ["evt-02"] = "redriven" }, letters);

        // Stopped, the directory holds what the server wrote: the two events on billing's redrive topic.
        await StopServerAsync();
        Assert.False(File.Exists(Path.Combine(_directory, ".herald-serve")), "the address file outlived a graceful stop");
        using var opened = EmbeddedLog.Open(_directory, new EmbeddedLogOptions { ReadOnly = true });
        Assert.True(opened.TryGetTopic("__herald.redrive.billing.orders", out var redriven));
        Assert.Equal(2, redriven.CountRecords());
    }

    [Fact]
    public async Task DlqList_WhileServed_OnADirectoryWithoutDeadLetters_CreatesNoTopic()
    {
        Directory.CreateDirectory(_directory);
        using (var log = EmbeddedLog.Open(_directory))
        {
            log.GetOrCreateTopic("orders");
        }

        await StartServerAsync();
        var list = await RunAsync(null, "dlq", "list", "--data", _directory, "--json");
        Assert.True(list.Code == 0, list.Error);
        Assert.Equal("[]", list.Output.Trim());
        await StopServerAsync();

        Assert.Equal(["__topics/orders.json"], Directory.EnumerateFiles(Path.Combine(_directory, "__topics")).Select(f => "__topics/" + Path.GetFileName(f)));
    }

    [Fact]
    public async Task Repair_WhileServed_IsRefusedWithExit3_NamingTheServer()
    {
        await SeededDataDirectory.WriteAsync(_directory, deadLetters: 1);
        await StartServerAsync();

        var repair = await RunAsync(null, "log", "repair", "--data", _directory, "--partition", "orders-0", "--dry-run");

        Assert.Equal(3, repair.Code);
        Assert.Contains($"is held by herald serve (pid {_server!.Id}", repair.Error, StringComparison.Ordinal);
        Assert.Contains("stop herald serve and retry; nothing was changed", repair.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AChannelWithoutTheSecret_IsRefused_AndTheServerKeepsServing()
    {
        await SeededDataDirectory.WriteAsync(_directory, deadLetters: 1);
        await StartServerAsync();
        var control = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, ".herald-serve"))).RootElement.GetProperty("control").GetString()!;
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_directory, ".herald-serve")));
        }

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPEndPoint.Parse(control), TestContext.Current.CancellationToken);
            var stream = client.GetStream();
            var request = Encoding.UTF8.GetBytes("""{"token":"guess","args":["dlq","purge","--all","--yes"],"cwd":"/","env":{},"stdinRedirected":true,"stdoutRedirected":true}""");
            var frame = new byte[5 + request.Length];
            frame[0] = (byte)'r';
            BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), request.Length);
            request.CopyTo(frame, 5);
            await stream.WriteAsync(frame, TestContext.Current.CancellationToken);
            using var reader = new StreamReader(stream, Encoding.Latin1);
            var answer = await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
            Assert.Contains("refused", answer, StringComparison.Ordinal);
            Assert.EndsWith("x\0\0\0\u00013", answer, StringComparison.Ordinal);
        }

        // Garbage on a second channel closes it; nothing changed either way.
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPEndPoint.Parse(control), TestContext.Current.CancellationToken);
            await client.GetStream().WriteAsync(new byte[] { (byte)'r', 0x7f, 0xff, 0xff, 0xff }, TestContext.Current.CancellationToken);
            Assert.Equal(0, await client.GetStream().ReadAsync(new byte[16], TestContext.Current.CancellationToken));
        }

        var list = await RunAsync(null, "dlq", "list", "--data", _directory, "--json");
        Assert.True(list.Code == 0, list.Error);
        Assert.Single(JsonDocument.Parse(list.Output).RootElement.EnumerateArray());
    }

    [Fact]
    public async Task AfterTheServerIsKilled_ItsLeftoverAddressFileIsIgnored_AndHeraldOpensTheDirectoryItself()
    {
        await SeededDataDirectory.WriteAsync(_directory, deadLetters: 2);
        await StartServerAsync();
        _server!.Kill(entireProcessTree: true);
        await _server.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(File.Exists(Path.Combine(_directory, ".herald-serve")));

        var list = await RunAsync(null, "dlq", "list", "--data", _directory, "--json");

        Assert.True(list.Code == 0, list.Error);
        Assert.Equal(2, JsonDocument.Parse(list.Output).RootElement.GetArrayLength());
        var log = await RunAsync(null, "log", "--data", _directory);
        Assert.True(log.Code == 0, log.Error);
        Assert.DoesNotContain(".herald-serve", log.Output + log.Error, StringComparison.Ordinal);
    }

    private static ProcessStartInfo Herald(string? workingDirectory, string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Herald.Cli.exe" : "Herald.Cli"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        start.Environment.Remove("HERALD_DATA");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string? workingDirectory, params string[] arguments)
    {
        using var process = Process.Start(Herald(workingDirectory, arguments))!;
        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private async Task StartServerAsync()
    {
        var port = FreePort();
        _server = Process.Start(Herald(null, ["serve", "--data", _directory, "--listen", $"127.0.0.1:{port}"]))!;
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var banner = await _server.StandardOutput.ReadLineAsync(timeout.Token);
        Assert.True(banner?.StartsWith("herald serve: Kafka protocol on", StringComparison.Ordinal) == true, $"herald serve did not start: '{banner}'");
    }

    private async Task StopServerAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _server!.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await _server.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, _server.ExitCode);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
