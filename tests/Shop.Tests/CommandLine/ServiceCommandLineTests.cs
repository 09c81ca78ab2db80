using Shop.CommandLine;
using Shop.Services;

namespace Shop.Tests.CommandLine;

/// <summary>The options of a service run as a process of its own: <c>--service</c>, <c>--run</c>, and <c>--combine</c>.</summary>
public sealed class ServiceCommandLineTests
{
    [Fact]
    public void TryParse_ServiceOnABroker_RunsItInItsOwnDirectoryUnderTheServicesPrefix()
    {
        Assert.True(ShopCommandLine.TryParse(["--service", "payment", "--run", "R1", "--transport", "rabbitmq", "--orders", "10"], out var options, out var error), error);

        Assert.Equal((ShopService.Payment, "R1"), (options.Service, options.RunId));
        Assert.Equal("herald-shop-services", options.Prefix);
        Assert.Equal(Path.Combine("herald-data-rabbitmq", "payment"), options.DatabaseDirectory);
    }

    [Fact]
    public void TryParse_OrdersServiceWithoutRun_MakesOneUp()
    {
        Assert.True(ShopCommandLine.TryParse(["--service=orders", "--transport=nats", "--prefix", "p"], out var options, out var error), error);

        Assert.Equal((ShopService.Orders, null, "p"), (options.Service, options.RunId, options.Prefix));
    }

    [Fact]
    public void TryParse_ServiceOnTheEmbeddedLog_FailsNamingTheBrokersToUse()
    {
        Assert.False(ShopCommandLine.TryParse(["--service", "orders"], out _, out var error));

        Assert.Equal(
            "--service runs each service in a process of its own, and processes cannot share the embedded log (one process holds its data directory): " +
            "run the services on a broker they all reach, --transport rabbitmq (start it with eng/services.sh rabbitmq) or --transport nats (start it with eng/services.sh nats) or --transport kafka (start it with herald serve --data herald-serve)",
            error);
    }

    [Theory]
    [InlineData("cannot share the in-memory transport", "--service", "orders", "--transport", "inmemory")]
    [InlineData("--service payment needs --run ID", "--service", "payment", "--transport", "nats")]
    [InlineData("--service needs a finite run", "--service", "orders", "--transport", "nats", "--orders", "0")]
    [InlineData("--duplicates and --poison are injected by the one-process Shop only", "--service", "orders", "--transport", "nats", "--poison", "1")]
    [InlineData("--run applies to --service", "--run", "R1")]
    [InlineData("--run must be 1 to 40 letters and digits, not 'a-b'", "--service", "orders", "--transport", "nats", "--run", "a-b")]
    [InlineData("--service must be one of orders, payment, inventory, notification, not 'billing'", "--service", "billing")]
    [InlineData("--combine takes only --json", "--combine", "summaries.jsonl", "--orders", "5")]
    public void TryParse_ServiceOptionsThatDoNotFit_Fail(string message, params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out _, out var error));

        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_CombineWithJson_SetsTheFile()
    {
        Assert.True(ShopCommandLine.TryParse(["--combine", "summaries.jsonl", "--json"], out var options, out var error), error);

        Assert.Equal(("summaries.jsonl", true), (options.Combine, options.Json));
    }

    [Theory]
    [InlineData("--service S")]
    [InlineData("--run ID")]
    [InlineData("--combine FILE")]
    public void Usage_Always_DescribesTheServiceOptions(string text) =>
        Assert.Contains(text, ShopCommandLine.Usage, StringComparison.Ordinal);
}
