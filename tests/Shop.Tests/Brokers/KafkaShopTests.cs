using System.Net;
using System.Text.Json;
using Herald.Server;

namespace Shop.Tests.Brokers;

/// <summary>Runs the shop on Kafka (Herald.Kafka) against a <c>herald serve</c> of its own, hosted in the test process over a
/// temporary directory: the same invariants as on the embedded log and RabbitMQ.</summary>
public sealed class KafkaShopTests : IAsyncLifetime
{
    private const int Orders = 200;
    private const int Duplicates = 20;
    private const int Poison = 3;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly TempDataDirectory _data = new();
    private readonly string _serveDirectory = Path.Combine(Path.GetTempPath(), $"shop-kafka-{Guid.NewGuid():N}");
    private HeraldServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = new HeraldServer(new HeraldServerOptions
        {
            DataDirectory = _serveDirectory,
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            GroupInitialRebalanceDelay = TimeSpan.Zero,
        });
        await _server.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_serveDirectory, recursive: true);
        _data.Dispose();
    }

    [Fact]
    public async Task RunAsync_OnKafkaWithDuplicatesAndPoison_HandlesEveryOrderOnceAndDeadLettersThePoison()
    {
        using var output = new StringWriter();

        var code = await ShopApplication.RunAsync(
            ["--transport", "kafka", "--connection", _server.AdvertisedAddress, "--data", _data.DataDirectory,
             "--orders", $"{Orders}", "--duplicates", $"{Duplicates}", "--poison", $"{Poison}", "--json"],
            output,
            TextWriter.Null).WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(ShopApplication.Done, code);
        var summary = JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]).RootElement;
        long Get(string name) => summary.GetProperty(name).GetInt64();
        Assert.Equal(("completed", "KafkaTransport"), (summary.GetProperty("status").GetString(), summary.GetProperty("transport").GetString()));
        Assert.Equal(Orders, Get("orders"));
        Assert.Equal(Orders, Get("paymentsCompleted") + Get("paymentsFailed"));
        Assert.Equal(Get("paymentsCompleted"), Get("paymentsCharged"));
        Assert.Equal(Orders, Get("inventoryReserved") + Get("inventoryFailed"));
        Assert.Equal(Orders, Get("notificationsSent"));
        Assert.Equal(0, Get("earlierRunEvents"));
        Assert.Equal(Duplicates, Get("duplicatesInjected"));
        Assert.Equal(Get("paymentsCompleted"), await ChargesTable.AssertEachOrderChargedOnceAsync(_data.DataDirectory));
        // Kafka keeps every record, the duplicates too: each group's inbox skips them (a retry re-reads from memory the
        // failed event and what follows it, which are not handled yet, so nothing else comes twice).
        Assert.Equal(2 * Duplicates, Get("duplicatesSkipped"));
        Assert.Equal(Poison, Get("deadLettered"));
        Assert.Equal(Get("retries") + (2 * Poison), Get("handlerFailures"));
    }

    [Fact]
    public async Task RunAsync_NothingListening_WritesOneLineAndExitsWithBrokerUnreachable()
    {
        using var diagnostics = new StringWriter();

        var code = await ShopApplication.RunAsync(
            ["--transport", "kafka", "--connection", "127.0.0.1:1", "--data", _data.DataDirectory, "--orders", "10"],
            TextWriter.Null,
            diagnostics).WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(ShopApplication.BrokerUnreachable, code);
        Assert.StartsWith("Shop: cannot reach Kafka at 127.0.0.1:1", Assert.Single(diagnostics.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }
}
