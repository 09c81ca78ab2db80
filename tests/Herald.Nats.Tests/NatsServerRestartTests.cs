using System.Diagnostics;
using Herald.Conformance.Restarts;
using static Herald.Nats.Tests.NatsTestSupport;

namespace Herald.Nats.Tests;

/// <summary>Runs alone, after the other tests: restarting the shared server would fail whatever runs beside it.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class ServerRestartGroup;

/// <summary>A server restart mid-stream: published and completed events stay so, the listener resumes on its own.</summary>
[Collection(typeof(ServerRestartGroup))]
public sealed class NatsServerRestartTests(NatsServer server)
{
    [Fact]
    public async Task ServerRestart_MidStream_ListenerResumesAndNoAcknowledgedEventIsLostOrRepeated()
    {
        var token = TestContext.Current.CancellationToken;
        var services = ServicesScript();
        // A delivery the restart lost (or an ack the server forgot) keeps the partition held until AckWait brings it again,
        // so the waits below allow one AckWait and more.
        var options = server.NewOptions();
        options.AckWait = TimeSpan.FromSeconds(5);
        var within = (options.AckWait * 3) + TimeSpan.FromSeconds(5);
        await using var transport = new NatsTransport(options);
        var topic = Unique("topic");
        var group = Unique("billing");
        var listener = await transport.ListenAsync(topic, group, token);
        var keys = Enumerable.Range(0, 4).Select(i => $"order-{i}").ToArray();
        for (var sequence = 0; sequence < 5; sequence++)
        {
            foreach (var key in keys)
            {
                await transport.SendAsync(topic, Envelope(key, sequence), token);
            }
        }

        var received = await ReceiveAsync(listener, 20);
        var completedBefore = received.GroupBy(d => d.Partition).SelectMany(p => p.Take(2)).ToList();
        foreach (var delivery in completedBefore)
        {
            await listener.CompleteAsync(delivery, token);
        }

        await RunAsync(services, "--stop nats");
        await RunAsync(services, "nats");

        // Deliveries handed out before the restart can still be completed: the server kept them pending.
        var completedAfter = received.Except(completedBefore).GroupBy(d => d.Partition).Select(p => p.First()).ToList();
        foreach (var delivery in completedAfter)
        {
            await listener.CompleteAsync(delivery, token);
        }

        var markers = keys.Select(k => Envelope(k, long.MaxValue)).ToList();
        foreach (var marker in markers)
        {
            await SendWhenBackAsync(transport, topic, marker);
        }

        // The listener resumed pulling on its own.
        var resumed = await ReceiveAsync(listener, markers.Count, within);
        Assert.Equal(markers.Select(m => m.EventId).Order(), resumed.Select(d => d.Envelope.EventId).Order());

        // A new member gets exactly what was never completed, each key in order: nothing lost, nothing completed again.
        await listener.DisposeAsync();
        await using var next = await transport.ListenAsync(topic, group, token);
        var uncompleted = received.Except(completedBefore).Except(completedAfter).Select(d => d.Envelope).Concat(markers).ToList();
        var handedOver = await ReceiveAsync(next, uncompleted.Count, within);
        Assert.Equal(uncompleted.Select(e => e.EventId).Order(), handedOver.Select(d => d.Envelope.EventId).Order());
        Assert.All(handedOver.GroupBy(d => d.Envelope.PartitionKey), k => Assert.Equal(k.Select(d => d.Envelope.Sequence).Order(), k.Select(d => d.Envelope.Sequence)));
    }

    [Fact]
    public async Task HundredThousandEvents_ServerRestartedMidStream_EveryAcknowledgedEventChargedExactlyOnce()
    {
        var services = ServicesScript();
        var options = server.NewOptions();
        await BrokerRestartScenario.RunAsync(() => new NatsTransport(options), async () =>
        {
            await RunAsync(services, "--stop nats");
            await RunAsync(services, "nats");
        });
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("false", false)]
    [InlineData("1", false)]
    public void RestartPrerequisites_Missing_FailsExactlyWhenCIIsTrue(string? ci, bool fails)
    {
        // Only the decision is checked here: xunit records Assert.Skip as the test's outcome even when it is caught.
        Assert.Equal(fails, RestartPrerequisites.FailsInsteadOfSkipping(ci));
    }

    [Fact]
    public void RestartPrerequisites_MissingWithCITrue_FailsNamingTheReason()
    {
        var failure = Assert.ThrowsAny<Exception>(() => RestartPrerequisites.Require(false, "no nats-server to restart.", "true"));

        Assert.Equal("FailException", failure.GetType().Name);
        Assert.Contains("no nats-server to restart.", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RestartPrerequisites_Met_NeitherSkipsNorFails()
    {
        RestartPrerequisites.Require(true, "unused", "true");
        RestartPrerequisites.Require(true, "unused", null);
    }

    private static async Task SendWhenBackAsync(NatsTransport transport, string topic, Herald.Events.EventEnvelope envelope)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await transport.SendAsync(topic, envelope, TestContext.Current.CancellationToken);
                return;
            }
            catch (Exception) when (attempt < 50)
            {
                // JetStream answers a little after the server accepts connections again.
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
    }

    private string ServicesScript()
    {
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "Herald.slnx")))
        {
            root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar));
        }

        var script = root is null ? null : Path.Combine(root, "eng", "services.sh");
        var pidFile = Path.Combine(Environment.GetEnvironmentVariable("HERALD_SERVICES_DIR") is { Length: > 0 } d ? d : "/tmp/herald-services", "nats", "nats.pid");
        // The server eng/services.sh starts listens on HERALD_NATS_PORT (4222), as it does when the script restarts it.
        var local = $"nats://127.0.0.1:{(Environment.GetEnvironmentVariable("HERALD_NATS_PORT") is { Length: > 0 } port ? port : "4222")}";
        _ = server.Connection;
        RestartPrerequisites.Require(
            script is not null && File.Exists(pidFile) && Environment.UserName == "root" && server.Url == local,
            $"Restarting the server needs the local nats-server at {local} that `eng/services.sh nats` started, run as root (server: {server.Url}).");
        return script;
    }

    private static async Task RunAsync(string script, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", $"{script} {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken) + await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"services.sh {arguments} failed: {output}");
    }
}
