using Herald.Conformance.Restarts;

namespace Herald.RabbitMQ.Tests;

/// <summary>100,000 events through Herald on RabbitMQ, the broker restarted in the middle: nothing acknowledged is lost, each charged once.</summary>
[Collection(typeof(BrokerRestarts))]
public sealed class RabbitMQStreamRestartTests(RabbitMQBroker broker)
{
    [Fact]
    public async Task HundredThousandEvents_BrokerRestartedMidStream_EveryAcknowledgedEventChargedExactlyOnce()
    {
        broker.RequireRestartable();

        var options = RabbitMQBroker.NewOptions();
        await BrokerRestartScenario.RunAsync(
            () => new RabbitMQTransport(options),
            async () =>
            {
                await RabbitMQRestartTests.RabbitMQCtlAsync("stop_app");
                await RabbitMQRestartTests.RabbitMQCtlAsync("start_app");
            },
            transport => ((RabbitMQTransport)transport).DeleteTopologyAsync(CancellationToken.None));
    }
}
