using System.Diagnostics;
using Herald.Transports;
using static Herald.RabbitMQ.Tests.TestSupport;

namespace Herald.RabbitMQ.Tests;

/// <summary>Runs alone: restarting the broker drops every connection of the run.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class BrokerRestarts;

/// <summary>A broker restart in the middle of a stream: the transport reconnects and no confirmed event is lost.</summary>
[Collection(typeof(BrokerRestarts))]
public sealed class RabbitMQRestartTests(RabbitMQBroker broker)
{
    [Fact]
    public async Task BrokerRestart_MidStream_ListenerRecovers_NoConfirmedEventLost_KeysStayInOrder()
    {
        broker.RequireRestartable();

        var token = TestContext.Current.CancellationToken;
        // A transport with a connection of its own, so that its recovery is what is tested.
        await using var transport = new RabbitMQTransport(RabbitMQBroker.NewOptions());
        var listener = await transport.ListenAsync("orders", "billing", token);
        try
        {
            var keys = Enumerable.Range(0, 4).Select(i => $"order-{i}").ToArray();
            var sent = new List<string>();
            for (var sequence = 0; sequence < 10; sequence++)
            {
                foreach (var key in keys)
                {
                    var envelope = Envelope(key, sequence);
                    await transport.SendAsync("orders", envelope, token);
                    sent.Add(envelope.EventId);
                }
            }

            var before = await ReceiveAsync(listener, 40, TimeSpan.FromSeconds(10));
            Assert.Equal(40, before.Count);
            var completed = new List<TransportDelivery>();
            foreach (var delivery in before.Where(d => d.Envelope.Sequence < 4))
            {
                await listener.CompleteAsync(delivery, token);
                completed.Add(delivery);
            }

            // The rest were received but not completed when the broker went away: they must come again.
            await RabbitMQCtlAsync("stop_app");
            await RabbitMQCtlAsync("start_app");

            for (var sequence = 10; sequence < 12; sequence++)
            {
                foreach (var key in keys)
                {
                    var envelope = Envelope(key, sequence);
                    await SendWhileRecoveringAsync(transport, envelope);
                    sent.Add(envelope.EventId);
                }
            }

            foreach (var delivery in await ReceiveAsync(listener, 32, TimeSpan.FromSeconds(30)))
            {
                await listener.CompleteAsync(delivery, token);
                completed.Add(delivery);
            }

            Assert.Equal(sent.Order(StringComparer.Ordinal), completed.Select(d => d.Envelope.EventId).Order(StringComparer.Ordinal));
            foreach (var key in completed.GroupBy(d => d.Envelope.PartitionKey))
            {
                Assert.Equal(Enumerable.Range(0, 12).Select(i => (long?)i), key.Select(d => d.Envelope.Sequence));
            }
        }
        finally
        {
            await listener.DisposeAsync();
            await transport.DeleteTopologyAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task BrokerStopped_SendFailsAtOnce_AfterTheRestartTheSameTransportSendsAgain()
    {
        broker.RequireRestartable();

        var token = TestContext.Current.CancellationToken;
        await using var transport = new RabbitMQTransport(RabbitMQBroker.NewOptions());
        var listener = await transport.ListenAsync("orders", "billing", token);
        try
        {
            await transport.SendAsync("orders", Envelope("order-0", 0), token);
            await listener.CompleteAsync(Assert.Single(await ReceiveAsync(listener, 1, TimeSpan.FromSeconds(10))), token);
            await RabbitMQCtlAsync("stop_app");
            try
            {
                // While the broker is away a send fails fast with the connection's close reason; it neither hangs nor
                // disposes the publisher the client is about to recover.
                var started = Stopwatch.StartNew();
                var refused = await Assert.ThrowsAnyAsync<Exception>(() => transport.SendAsync("orders", Envelope("order-0", 1), token).AsTask());
                Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"the send took {started.Elapsed} to fail");
                Assert.IsType<global::RabbitMQ.Client.Exceptions.AlreadyClosedException>(refused);
                Assert.Contains("the event was not published: publish it again once the broker is back", refused.Message, StringComparison.Ordinal);
            }
            finally
            {
                await RabbitMQCtlAsync("start_app");
            }

            await SendWhileRecoveringAsync(transport, Envelope("order-0", 1));
            await SendWhileRecoveringAsync(transport, Envelope("order-0", 2));
            var received = await ReceiveAsync(listener, 2, TimeSpan.FromSeconds(30));
            Assert.Equal([1, 2], received.Select(d => d.Envelope.Sequence));
        }
        finally
        {
            await listener.DisposeAsync();
            await transport.DeleteTopologyAsync(CancellationToken.None);
        }
    }

    /// <summary>Publishes once the connection is back: a send while the client reconnects fails, and is not confirmed.</summary>
    private static async Task SendWhileRecoveringAsync(RabbitMQTransport transport, Herald.Events.EventEnvelope envelope)
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                await transport.SendAsync("orders", envelope, TestContext.Current.CancellationToken);
                return;
            }
            catch (Exception) when (DateTimeOffset.UtcNow < until)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
    }

    internal static async Task RabbitMQCtlAsync(string command)
    {
        // The environment eng/services.sh starts the node with, so that rabbitmqctl finds it and its cookie.
        var data = Environment.GetEnvironmentVariable("HERALD_SERVICES_DIR") is { Length: > 0 } dir ? dir : "/tmp/herald-services";
        var start = new ProcessStartInfo("/usr/sbin/rabbitmqctl", ["-q", command]) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["RABBITMQ_NODENAME"] = "rabbit@localhost",
            ["RABBITMQ_CONFIG_FILE"] = $"{data}/rabbitmq/rabbitmq.conf",
            ["RABBITMQ_MNESIA_BASE"] = $"{data}/rabbitmq/mnesia",
            ["RABBITMQ_LOG_BASE"] = $"{data}/rabbitmq/log",
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = $"{data}/rabbitmq/enabled_plugins",
            ["RABBITMQ_PID_FILE"] = $"{data}/rabbitmq/rabbit.pid",
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        })
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"rabbitmqctl {command} failed: {await errors}");
    }
}
