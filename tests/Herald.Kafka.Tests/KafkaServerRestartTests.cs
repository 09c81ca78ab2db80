using Herald.Conformance.Restarts;
using Herald.Server;

namespace Herald.Kafka.Tests;

/// <summary>100,000 events through Herald on Kafka, <c>herald serve</c> stopped and started again a third of the way in:
/// nothing acknowledged is lost, each event is charged once, and the clients reconnect by themselves.</summary>
/// <remarks>The test runs a server of its own (its own data directory, on the port it got first), so the restart disturbs
/// no other test, and runs beside them.</remarks>
public sealed class KafkaServerRestartTests
{
    private const int Events = 100_000;

    [Fact]
    public async Task HundredThousandEvents_ServerRestartedMidStream_EveryAcknowledgedEventChargedExactlyOnce()
    {
        var token = TestContext.Current.CancellationToken;
        var directory = Path.Combine(Path.GetTempPath(), $"herald-kafka-restart-{Guid.NewGuid():N}");
        var server = new HeraldServer(KafkaServer.ServerOptions(directory));
        await server.StartAsync(token);
        try
        {
            var port = server.LocalEndPoint.Port;
            var options = KafkaServer.NewOptions(server.AdvertisedAddress);
            var restarts = 0;
            await BrokerRestartScenario.RunAsync(
                () => new KafkaTransport(options),
                async () =>
                {
                    // Graceful: the requests being served are answered, committed offsets flushed, the directory released.
                    await server.DisposeAsync();
                    server = new HeraldServer(KafkaServer.ServerOptions(directory, port));
                    await server.StartAsync(token);
                    restarts++;
                },
                events: Events);

            Assert.Equal(1, restarts);
            // The idempotent producer stored each publish once, the batches it resent across the restart included: the
            // restarted server rebuilt the producers' sequences from the log.
            Assert.True(server.Log.TryGetTopic("restart.payment-requested", out var topic));
            Assert.Equal(Events, topic.Partitions.Sum(p => p.EndOffset - p.StartOffset));
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }
}
