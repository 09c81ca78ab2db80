using System.Text.Json;
using Herald.Log;
using Microsoft.Extensions.DependencyInjection;
using Shop.CommandLine;
using Shop.Orders;

namespace Shop.Tests;

public sealed class ShopApplicationTests : IDisposable
{
    private readonly TempDataDirectory _data = new();
    private readonly StringWriter _output = new();
    private readonly StringWriter _diagnostics = new();

    public void Dispose()
    {
        _data.Dispose();
        _output.Dispose();
        _diagnostics.Dispose();
    }

    [Fact]
    public async Task RunAsync_UnknownTransport_ReturnsBadArgumentsWithOneLine()
    {
        var exitCode = await RunAsync("--transport", "kafka");

        Assert.Equal(ShopApplication.BadArguments, exitCode);
        Assert.Equal(
            "Shop: --transport must be 'embedded', 'inmemory', 'rabbitmq' or 'nats', not 'kafka'. Run with --help for usage.",
            Assert.Single(Lines(_diagnostics)));
        Assert.Empty(_output.ToString());
    }

    [Theory]
    [InlineData("Shop: --poison must be a whole number from 0 to 2147483647, not '-1'. Run with --help for usage.", "--poison", "-1")]
    [InlineData("Shop: --duplicates (20) cannot exceed --orders (10): each duplicate re-sends a different order. Run with --help for usage.", "--orders", "10", "--duplicates", "20")]
    public async Task RunAsync_BadInjection_ReturnsBadArgumentsWithOneLine(string message, params string[] args)
    {
        var exitCode = await RunAsync(args);

        Assert.Equal(ShopApplication.BadArguments, exitCode);
        Assert.Equal(message, Assert.Single(Lines(_diagnostics)));
        Assert.Empty(_output.ToString());
    }

    [Fact]
    public async Task RunAsync_MetricsPortOutOfRange_ReturnsBadArgumentsWithOneLine()
    {
        var exitCode = await RunAsync("--orders", "0", "--metrics-port", "70000");

        Assert.Equal(ShopApplication.BadArguments, exitCode);
        Assert.Equal(
            "Shop: --metrics-port must be a whole number from 1 to 65535, not '70000'. Run with --help for usage.",
            Assert.Single(Lines(_diagnostics)));
    }

    [Fact]
    public async Task RunAsync_DuplicatesAndPoisonWithJson_ReportsTheDeliveryCounters()
    {
        var exitCode = await RunAsync("--data", _data.DataDirectory, "--orders", "60", "--duplicates", "6", "--poison", "2", "--json");

        Assert.Equal(ShopApplication.Done, exitCode);
        var summary = LastLineAsJson();
        Assert.Equal(60, summary.GetProperty("paymentsCharged").GetInt64() + summary.GetProperty("paymentsFailed").GetInt64());
        Assert.Equal(6, summary.GetProperty("duplicatesInjected").GetInt64());
        Assert.Equal(2, summary.GetProperty("deadLettered").GetInt64());
        Assert.True(summary.GetProperty("retries").GetInt64() > 0);
    }

    [Fact]
    public async Task RunAsync_DataDirectoryInUse_ReturnsDataDirectoryInUseWithOneLine()
    {
        using var holder = EventLog.Open(_data.DataDirectory);

        var exitCode = await RunAsync("--data", _data.DataDirectory, "--orders", "10");

        Assert.Equal(ShopApplication.DataDirectoryInUse, exitCode);
        var line = Assert.Single(Lines(_diagnostics));
        Assert.StartsWith($"Shop: The Herald log directory '{Path.GetFullPath(_data.DataDirectory)}' is already open", line, StringComparison.Ordinal);
        Assert.Empty(_output.ToString());
    }

    [Fact]
    public async Task RunAsync_FreshOnADirectoryInUse_ReturnsDataDirectoryInUseAndKeepsIt()
    {
        using (var holder = EventLog.Open(_data.DataDirectory))
        {
            Assert.Equal(ShopApplication.DataDirectoryInUse, await RunAsync("--data", _data.DataDirectory, "--fresh"));
        }

        Assert.True(File.Exists(Path.Combine(_data.DataDirectory, ".lock")));
    }

    [Fact]
    public async Task RunAsync_Fresh_ForgetsWhatEarlierRunsLeft()
    {
        var options = new ShopOptions(DataDirectory: _data.DataDirectory);
        using (var earlier = ShopHost.Build(options))
        {
            await earlier.Services.GetRequiredService<OrderService>().PublishAsync(20, CancellationToken.None);
        }

        var exitCode = await RunAsync("--data", _data.DataDirectory, "--fresh", "--orders", "50", "--json");

        Assert.Equal(ShopApplication.Done, exitCode);
        var summary = LastLineAsJson();
        Assert.Equal(0, summary.GetProperty("earlierRunEvents").GetInt64());
        Assert.Equal(50, summary.GetProperty("notificationsSent").GetInt64());
    }

    [Fact]
    public async Task RunAsync_FreshOnADirectoryThatIsNotAHeraldDataDirectory_ReturnsBadArgumentsAndKeepsIt()
    {
        Directory.CreateDirectory(_data.DataDirectory);
        var keep = Path.Combine(_data.DataDirectory, "notes.txt");
        await File.WriteAllTextAsync(keep, "precious", TestContext.Current.CancellationToken);

        var exitCode = await RunAsync("--data", _data.DataDirectory, "--fresh");

        Assert.Equal(ShopApplication.BadArguments, exitCode);
        Assert.Contains("is not a Herald data directory", Assert.Single(Lines(_diagnostics)), StringComparison.Ordinal);
        Assert.True(File.Exists(keep));
    }

    [Fact]
    public async Task RunAsync_Json_EndsStandardOutputWithTheSummary()
    {
        var exitCode = await RunAsync("--transport", "inmemory", "--orders", "50", "--json");

        Assert.Equal(ShopApplication.Done, exitCode);
        var summary = LastLineAsJson();
        Assert.Equal("completed", summary.GetProperty("status").GetString());
        Assert.Equal("InMemoryTransport", summary.GetProperty("transport").GetString());
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("dataDirectory").ValueKind);
        Assert.Equal(0, summary.GetProperty("earlierRunEvents").GetInt64());
    }

    [Fact]
    public async Task RunAsync_EmbeddedWithJson_ReportsTheDataDirectory()
    {
        var exitCode = await RunAsync("--data", _data.DataDirectory, "--orders", "20", "--json");

        Assert.Equal(ShopApplication.Done, exitCode);
        var summary = LastLineAsJson();
        Assert.Equal("EmbeddedLogTransport", summary.GetProperty("transport").GetString());
        Assert.Equal(Path.GetFullPath(_data.DataDirectory), summary.GetProperty("dataDirectory").GetString());
    }

    private Task<int> RunAsync(params string[] args) => ShopApplication.RunAsync(args, _output, _diagnostics);

    private JsonElement LastLineAsJson()
    {
        var lines = Lines(_output);
        Assert.NotEmpty(lines);
        using var document = JsonDocument.Parse(lines[^1]);
        return document.RootElement.Clone();
    }

    private static string[] Lines(StringWriter writer) =>
        writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
