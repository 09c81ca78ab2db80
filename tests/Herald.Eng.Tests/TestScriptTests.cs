namespace Herald.Eng.Tests;

/// <summary>
/// eng/test.sh's decision when a service does not start: stop within seconds naming it, unless --allow-skips (never
/// with CI=true); and its summary of what skipped, per service. Each run stops before any test is built or run
/// (--services-only, --report).
/// </summary>
public sealed class TestScriptTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Run_ServiceDoesNotStart_FailsBeforeAnyTestNamingServiceAndPort()
    {
        await using var sandbox = new ServicesSandbox();
        var client = sandbox.Hold();

        var result = await RunAsync(sandbox, client, "--services-only");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"test.sh: nats did not start: port {client} (client) is taken by ", result.StandardError, StringComparison.Ordinal);
        ServicesScriptTests.AssertNamesThisProcess(result);
        Assert.Contains("--allow-skips", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("no test was run", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("0 passed, 1 failed", result.LastLine);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(15), result.ToString());
    }

    [Fact]
    public async Task Run_ServiceDoesNotStartWithAllowSkips_RunsTheRestSayingWhatSkips()
    {
        await using var sandbox = new ServicesSandbox();
        var client = sandbox.Hold();

        var result = await RunAsync(sandbox, client, "--allow-skips", "--services-only");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"test.sh: nats did not start: port {client} (client) is taken by ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("test.sh: --allow-skips: running the rest; the tests of nats skip", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("test.sh: --services-only: services done; no test was run.", result.LastLine);
    }

    [Fact]
    public async Task Run_AllowSkipsWithCI_IsNotHonoured()
    {
        await using var sandbox = new ServicesSandbox();
        var client = sandbox.Hold();

        var result = await RunAsync(sandbox, client, ("CI", "true"), "--allow-skips", "--services-only");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("--allow-skips is not honoured with CI=true", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("test.sh: nats did not start", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("0 passed, 1 failed", result.LastLine);
    }

    [Fact]
    public async Task Report_TestsSkippedForMissingServices_CountsThemPerServiceAboveTheLastLine()
    {
        var log = Path.Combine(AppContext.BaseDirectory, "Samples", "dotnet-test-skips.txt");

        var result = await ScriptRun.RunAsync("eng/test.sh", ["--report", log], new Dictionary<string, string?>(), Timeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("SKIPPED: 5 tests did not run", lines);
        Assert.Contains("nats: 2 skipped", lines);
        Assert.Contains("postgres: 1 skipped", lines);
        Assert.Contains("interop (node): 1 skipped", lines);
        Assert.Contains("other: 1 skipped", lines);
        Assert.Equal("7 passed, 0 failed, 5 skipped", result.LastLine);
    }

    [Fact]
    public async Task Report_FailedTests_ExitsNonZero()
    {
        var log = Path.Combine(AppContext.BaseDirectory, "Samples", "dotnet-test-failed.txt");

        var result = await ScriptRun.RunAsync("eng/test.sh", ["--report", log], new Dictionary<string, string?>(), Timeout);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("2 passed, 1 failed", result.LastLine);
    }

    private static Task<ScriptResult> RunAsync(ServicesSandbox sandbox, int natsPort, params string[] arguments) =>
        RunAsync(sandbox, natsPort, ("CI", null), arguments);

    private static Task<ScriptResult> RunAsync(ServicesSandbox sandbox, int natsPort, (string Name, string? Value) extra, params string[] arguments)
    {
        // Only NATS is requested: the tests of RabbitMQ and PostgreSQL are pointed at servers, so test.sh starts neither.
        var environment = sandbox.Environment(
            ("HERALD_NATS_PORT", natsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("HERALD_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/"),
            ("HERALD_POSTGRES", "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres"),
            extra);
        return ScriptRun.RunAsync("eng/test.sh", arguments, environment, Timeout);
    }
}
