using Herald.RabbitMQ;
using Shop.Brokers;
using Shop.CommandLine;

namespace Shop.Tests.Brokers;

/// <summary>Runs the shop on the local RabbitMQ under a prefix of its own: the same invariants as on the embedded log.</summary>
public sealed class RabbitMQShopTests(RabbitMQBroker broker) : IDisposable
{
    private const int Orders = 200;
    private const int Duplicates = 20;
    private const int Poison = 3;

    // Herald's default partition count for RabbitMQ: the shop does not change it.
    private static readonly int Partitions = new RabbitMQTransportOptions().Partitions;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly TempDataDirectory _data = new();
    private readonly string _prefix = "shop-test-" + Guid.NewGuid().ToString("N")[..12];

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task RunAsync_OnRabbitMQWithDuplicatesAndPoison_HandlesEveryOrderOnceAndDeadLettersThePoison()
    {
        _ = broker.Connection;
        using var output = new StringWriter();
        try
        {
            var code = await ShopApplication.RunAsync(
                ["--transport", "rabbitmq", "--connection", RabbitMQBroker.Uri, "--prefix", _prefix, "--data", _data.DataDirectory,
                 "--orders", $"{Orders}", "--duplicates", $"{Duplicates}", "--poison", $"{Poison}", "--json"],
                output,
                TextWriter.Null).WaitAsync(Timeout, TestContext.Current.CancellationToken);

            Assert.Equal(ShopApplication.Done, code);
            var summary = System.Text.Json.JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]).RootElement;
            long Get(string name) => summary.GetProperty(name).GetInt64();
            Assert.Equal("completed", summary.GetProperty("status").GetString());
            Assert.Equal("RabbitMQTransport", summary.GetProperty("transport").GetString());
            Assert.Equal(Orders, Get("orders"));
            Assert.Equal(Orders, Get("paymentsCompleted") + Get("paymentsFailed"));
            Assert.Equal(Get("paymentsCompleted"), Get("paymentsCharged"));
            Assert.Equal(Orders, Get("inventoryReserved") + Get("inventoryFailed"));
            Assert.Equal(Orders, Get("notificationsSent"));
            Assert.Equal(0, Get("earlierRunEvents"));
            Assert.Equal(Duplicates, Get("duplicatesInjected"));
            Assert.Equal(Get("paymentsCompleted"), await ChargesTable.AssertEachOrderChargedOnceAsync(_data.DataDirectory));
            // At least each injected duplicate in both groups; more when a retry returned deliveries already handled to
            // the queue (RabbitMQ redelivers everything after the failed event): the inbox skips those too.
            Assert.True(Get("duplicatesSkipped") >= 2 * Duplicates, $"{Get("duplicatesSkipped")} duplicates skipped");
            Assert.Equal(Poison, Get("deadLettered"));
            Assert.Equal(Get("retries") + (2 * Poison), Get("handlerFailures"));
        }
        finally
        {
            await broker.DeleteShopTopologyAsync(_prefix, Partitions);
        }
    }

    [Fact]
    public async Task RunAsync_BrokerDown_WritesOneLineAndExitsWithBrokerUnreachable()
    {
        using var diagnostics = new StringWriter();

        // Port 1 on the loopback refuses at once: nothing listens there.
        var code = await ShopApplication.RunAsync(
            ["--transport", "rabbitmq", "--connection", "amqp://guest:guest@127.0.0.1:1/", "--data", _data.DataDirectory, "--orders", "10"],
            TextWriter.Null,
            diagnostics).WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(ShopApplication.BrokerUnreachable, code);
        var line = Assert.Single(diagnostics.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Shop: cannot reach RabbitMQ at amqp://***@127.0.0.1:1/", line, StringComparison.Ordinal);
        Assert.DoesNotContain("guest", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Connection_NoOptionButEnvironment_UsesTheEnvironmentElseTheLocalDefault()
    {
        var rabbit = new ShopOptions(Transport: ShopTransport.RabbitMQ);
        var nats = new ShopOptions(Transport: ShopTransport.Nats);

        Assert.Equal("amqp://broker/", ShopBroker.Connection(rabbit, name => name == "HERALD_RABBITMQ" ? "amqp://broker/" : null));
        Assert.Equal(ShopBroker.DefaultRabbitMQ, ShopBroker.Connection(rabbit, _ => null));
        Assert.Equal(ShopBroker.DefaultNats, ShopBroker.Connection(nats, name => name == "HERALD_RABBITMQ" ? "amqp://broker/" : null));
        Assert.Equal("nats://given:4222", ShopBroker.Connection(nats with { Connection = "nats://given:4222" }, _ => "nats://env:4222"));
    }
}
