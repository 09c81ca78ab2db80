using Shop.CommandLine;

namespace Shop.Tests.CommandLine;

/// <summary>The broker options: <c>--transport rabbitmq|nats</c>, <c>--connection</c> and <c>--prefix</c>.</summary>
public sealed class ShopCommandLineBrokerTests
{
    [Theory]
    [InlineData("rabbitmq", "RabbitMQ", "herald-data-rabbitmq")]
    [InlineData("RabbitMQ", "RabbitMQ", "herald-data-rabbitmq")]
    [InlineData("nats", "Nats", "herald-data-nats")]
    [InlineData("kafka", "Kafka", "herald-data-kafka")]
    public void TryParse_BrokerTransport_UsesADataDirectoryOfItsOwn(string name, string transport, string dataDirectory)
    {
        Assert.True(ShopCommandLine.TryParse(["--transport", name], out var options, out var error), error);

        Assert.Equal(transport, options.Transport.ToString());
        Assert.True(options.UsesBroker);
        Assert.Equal(dataDirectory, options.DataDirectory);
        Assert.Equal(ShopOptions.DefaultPrefix, options.Prefix);
        Assert.Null(options.Connection);
    }

    [Fact]
    public void TryParse_ConnectionPrefixAndData_SetsThem()
    {
        Assert.True(ShopCommandLine.TryParse(["--transport=nats", "--connection", "nats://n1:4222", "--prefix=run_7-a", "--data", "d"], out var options, out var error), error);

        Assert.Equal(("nats://n1:4222", "run_7-a", "d"), (options.Connection, options.Prefix, options.DataDirectory));
    }

    [Theory]
    [InlineData("--prefix", "has.dot")]
    [InlineData("--prefix", "has space")]
    [InlineData("--prefix=")]
    [InlineData("--prefix", "0123456789012345678901234567890123456789x")]
    public void TryParse_BadPrefix_Fails(params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(["--transport", "rabbitmq", .. args], out _, out var error));

        Assert.StartsWith("--prefix must be 1 to 40 letters, digits, '-' or '_'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--connection", "amqp://x/")]
    [InlineData("--prefix", "p")]
    [InlineData("--transport", "inmemory", "--prefix", "p")]
    public void TryParse_BrokerOptionWithoutBroker_Fails(params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out _, out var error));

        Assert.Equal("--connection and --prefix apply to --transport rabbitmq, nats and kafka", error);
    }

    [Fact]
    public void TryParse_FreshOnABroker_FailsPointingAtThePrefix()
    {
        Assert.False(ShopCommandLine.TryParse(["--transport", "rabbitmq", "--fresh"], out _, out var error));

        Assert.Contains("choose a new --prefix", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_FreshOnKafka_FailsPointingAtAnotherBroker()
    {
        Assert.False(ShopCommandLine.TryParse(["--transport", "kafka", "--fresh"], out _, out var error));

        Assert.Equal("--fresh applies to the embedded transport; on Kafka, use a broker (or a herald serve data directory) no earlier run used to start from nothing", error);
    }

    [Theory]
    [InlineData("--transport", "kafka", "--prefix", "p")]
    [InlineData("--transport=kafka", "--prefix=p")]
    [InlineData("--transport", "kafka", "--service", "payment", "--run", "R1", "--prefix", "p")]
    public void TryParse_PrefixOnKafka_FailsSayingTheNamesAreTheEvents(params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out _, out var error));

        Assert.Equal("--prefix applies to --transport rabbitmq and nats; on Kafka the topics are the events' names and the groups the services': use another broker (or herald serve data directory) to keep runs apart", error);
    }

    [Fact]
    public void TryParse_KafkaWithoutPrefix_UsesTheDefaultConnection()
    {
        Assert.True(ShopCommandLine.TryParse(["--transport", "kafka", "--connection", "127.0.0.1:19092"], out var options, out var error), error);

        Assert.Equal(("127.0.0.1:19092", "herald-data-kafka"), (options.Connection, options.DataDirectory));
    }

    [Theory]
    [InlineData("--transport embedded|inmemory|rabbitmq|nats|kafka")]
    [InlineData("--connection URI")]
    [InlineData("--prefix NAME")]
    [InlineData("4 the broker cannot be")]
    public void Usage_Always_DescribesTheBrokerOptions(string text) =>
        Assert.Contains(text, ShopCommandLine.Usage, StringComparison.Ordinal);
}
