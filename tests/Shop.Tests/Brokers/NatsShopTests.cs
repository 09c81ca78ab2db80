using System.Text.Json;

namespace Shop.Tests.Brokers;

/// <summary>Runs the shop on the local NATS server under a prefix of its own: the same invariants, except that JetStream
/// itself drops the injected duplicates (same event id within its duplicate window).</summary>
public sealed class NatsShopTests(NatsServer server) : IDisposable
{
    private const int Orders = 200;
    private const int Duplicates = 20;
    private const int Poison = 3;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly TempDataDirectory _data = new();
    private readonly string _prefix = "shop-test-" + Guid.NewGuid().ToString("N")[..12];

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task RunAsync_OnNatsWithDuplicatesAndPoison_HandlesEveryOrderOnceAndDeadLettersThePoison()
    {
        _ = server.Connection;
        using var output = new StringWriter();
        try
        {
            var code = await ShopApplication.RunAsync(
                ["--transport", "nats", "--connection", NatsServer.Url, "--prefix", _prefix, "--data", _data.DataDirectory,
                 "--orders", $"{Orders}", "--duplicates", $"{Duplicates}", "--poison", $"{Poison}", "--json"],
                output,
                TextWriter.Null).WaitAsync(Timeout, TestContext.Current.CancellationToken);

            Assert.Equal(ShopApplication.Done, code);
            var summary = JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]).RootElement;
            long Get(string name) => summary.GetProperty(name).GetInt64();
            Assert.Equal(("completed", "NatsTransport"), (summary.GetProperty("status").GetString(), summary.GetProperty("transport").GetString()));
            Assert.Equal(Orders, Get("paymentsCompleted") + Get("paymentsFailed"));
            Assert.Equal(Get("paymentsCompleted"), Get("paymentsCharged"));
            Assert.Equal(Orders, Get("inventoryReserved") + Get("inventoryFailed"));
            Assert.Equal(Orders, Get("notificationsSent"));
            Assert.Equal(Duplicates, Get("duplicatesInjected"));
            Assert.Equal(Get("paymentsCompleted"), await ChargesTable.AssertEachOrderChargedOnceAsync(_data.DataDirectory));
            Assert.Equal(Poison, Get("deadLettered"));
            Assert.Equal(Get("retries") + (2 * Poison), Get("handlerFailures"));
        }
        finally
        {
            await server.DeleteShopStreamsAsync(_prefix);
        }
    }

    [Fact]
    public async Task RunAsync_ServerDown_WritesOneLineAndExitsWithBrokerUnreachable()
    {
        using var diagnostics = new StringWriter();

        var code = await ShopApplication.RunAsync(
            ["--transport", "nats", "--connection", "nats://127.0.0.1:1", "--data", _data.DataDirectory, "--orders", "10"],
            TextWriter.Null,
            diagnostics).WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(ShopApplication.BrokerUnreachable, code);
        Assert.StartsWith("Shop: cannot reach NATS at nats://127.0.0.1:1", Assert.Single(diagnostics.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }
}
