using System.Globalization;

namespace Herald.Eng.Tests;

/// <summary>
/// eng/services.sh when a service cannot start: every named service is still tried, each failure says why (the port and
/// the process that holds it, or the log with the server's own error) at once, and the exit status is non-zero.
/// </summary>
/// <remarks>
/// Only NATS is ever started, in a directory and on ports of the test's own; RabbitMQ is only asked for on ports the
/// test holds, so it fails its port check before anything is installed or started.
/// </remarks>
public sealed class ServicesScriptTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Start_PortsOfOneServiceTaken_FailsThatServiceNamingPortsAndHolderAndStillStartsTheOther()
    {
        RequireNatsServer();
        await using var sandbox = new ServicesSandbox();
        var amqp = sandbox.Hold();
        var distribution = sandbox.Hold();

        var result = await ScriptRun.RunAsync("eng/services.sh", ["rabbitmq", "nats"], sandbox.Environment(
            ("HERALD_RABBITMQ_PORT", Text(amqp)),
            ("HERALD_RABBITMQ_DIST_PORT", Text(distribution))), Timeout);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"services.sh: rabbitmq failed: port {amqp} (AMQP) is taken by ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains($"port {distribution} (Erlang distribution) is taken by ", result.StandardError, StringComparison.Ordinal);
        AssertNamesThisProcess(result);
        Assert.False(Directory.Exists(Path.Combine(sandbox.Directory, "rabbitmq")), $"nothing of RabbitMQ is set up once its port is taken: {result}");
        Assert.Contains($"nats ready on 127.0.0.1:{sandbox.NatsPort} with JetStream", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("services.sh: 1 of 2 failed to start: rabbitmq", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NatsPortTaken_FailsWithinSecondsNamingPortAndHolderWithoutStartingIt()
    {
        await using var sandbox = new ServicesSandbox();
        var client = sandbox.Hold();

        var result = await ScriptRun.RunAsync("eng/services.sh", ["nats"], sandbox.Environment(("HERALD_NATS_PORT", Text(client))), Timeout);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"services.sh: nats failed: port {client} (client) is taken by ", result.StandardError, StringComparison.Ordinal);
        AssertNamesThisProcess(result);
        Assert.Contains("HERALD_NATS_PORT", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(sandbox.NatsDirectory, "nats.pid")), result.ToString());
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(10), result.ToString());
    }

    [Fact]
    public async Task Start_ServerExitsWhileStarting_FailsAtOnceNamingTheLogThatHoldsTheServersError()
    {
        RequireNatsServer();
        await using var sandbox = new ServicesSandbox();

        // JetStream cannot use a store directory that is a file: nats-server starts, then exits with that error.
        Directory.CreateDirectory(sandbox.NatsDirectory);
        await File.WriteAllTextAsync(Path.Combine(sandbox.NatsDirectory, "jetstream"), "not a directory", TestContext.Current.CancellationToken);

        var result = await ScriptRun.RunAsync("eng/services.sh", ["nats"], sandbox.Environment(), Timeout);

        Assert.True(result.ExitCode == 1, result.ToString());
        var log = Path.Combine(sandbox.NatsDirectory, "nats.log");
        Assert.Contains($"services.sh: nats failed: nats-server exited while starting; log: {log}", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Can't start JetStream", await File.ReadAllTextAsync(log, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("Can't start JetStream", result.StandardError, StringComparison.Ordinal);

        // It waits up to 30 s for a server that is alive; one that exited is given up on at once.
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(15), result.ToString());
    }

    [Fact]
    public async Task Start_PortNotANumber_ExitsNamingTheVariable()
    {
        await using var sandbox = new ServicesSandbox();

        var result = await ScriptRun.RunAsync("eng/services.sh", ["nats"], sandbox.Environment(("HERALD_NATS_PORT", "42x")), Timeout);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("HERALD_NATS_PORT='42x' is not a port number", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Checks that the holder of the port is named: this test's process, as <c>ss -ltnp</c> (iproute2) shows it.</summary>
    internal static void AssertNamesThisProcess(ScriptResult result)
    {
        var ss = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, "ss")));
        Assert.Contains(ss ? $"(pid {Environment.ProcessId})" : "an unknown process", result.StandardError, StringComparison.Ordinal);
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static void RequireNatsServer()
    {
        const string Reason = "These tests start a nats-server of their own: install it with `eng/services.sh nats` (as root).";
        if (File.Exists("/usr/sbin/nats-server"))
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(Reason);
        }

        Assert.Skip(Reason);
    }
}
