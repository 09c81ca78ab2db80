using Shop.CommandLine;

namespace Shop.Tests.CommandLine;

public sealed class ShopCommandLineTests
{
    [Fact]
    public void TryParse_NoArguments_UsesTheEmbeddedLogInHeraldData()
    {
        Assert.True(ShopCommandLine.TryParse([], out var options, out _));

        Assert.Equal(ShopTransport.Embedded, options.Transport);
        Assert.Equal("herald-data", options.DataDirectory);
        Assert.False(options.Fresh);
    }

    [Theory]
    [InlineData("--transport", "inmemory")]
    [InlineData("--transport=inmemory")]
    [InlineData("--transport", "InMemory")]
    public void TryParse_TransportInMemory_SelectsInMemory(params string[] args)
    {
        Assert.True(ShopCommandLine.TryParse(args, out var options, out var error), error);

        Assert.Equal(ShopTransport.InMemory, options.Transport);
    }

    [Fact]
    public void TryParse_TransportEmbedded_SelectsEmbedded()
    {
        Assert.True(ShopCommandLine.TryParse(["--transport=embedded"], out var options, out var error), error);

        Assert.Equal(ShopTransport.Embedded, options.Transport);
    }

    [Theory]
    [InlineData("--transport", "sqs")]
    [InlineData("--transport=")]
    public void TryParse_UnknownTransport_FailsNamingTheChoices(params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out var options, out var error));

        Assert.Null(options);
        Assert.Contains("--transport must be 'embedded', 'inmemory', 'rabbitmq', 'nats' or 'kafka'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--transport")]
    [InlineData("--transport", "--json")]
    public void TryParse_TransportWithoutValue_Fails(params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out _, out var error));

        Assert.Equal("--transport needs a value: embedded, inmemory, rabbitmq, nats or kafka", error);
    }

    [Theory]
    [InlineData("--data", "/tmp/shop data")]
    [InlineData("--data=/tmp/shop data")]
    public void TryParse_Data_SetsTheDataDirectory(params string[] args)
    {
        Assert.True(ShopCommandLine.TryParse(args, out var options, out var error), error);

        Assert.Equal("/tmp/shop data", options.DataDirectory);
    }

    [Theory]
    [InlineData("--data")]
    [InlineData("--data", "--fresh")]
    [InlineData("--data=")]
    [InlineData("--data", " ")]
    public void TryParse_DataWithoutDirectory_Fails(params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out _, out var error));

        Assert.Equal("--data needs a directory", error);
    }

    [Fact]
    public void TryParse_Fresh_SetsFresh()
    {
        Assert.True(ShopCommandLine.TryParse(["--fresh", "--orders", "5"], out var options, out var error), error);

        Assert.True(options.Fresh);
        Assert.Equal(5, options.Orders);
    }

    [Fact]
    public void TryParse_FreshWithValue_Fails()
    {
        Assert.False(ShopCommandLine.TryParse(["--fresh=yes"], out _, out var error));

        Assert.Equal("--fresh takes no value", error);
    }

    [Theory]
    [InlineData("--transport", "inmemory", "--data", "x")]
    [InlineData("--data", "x", "--transport", "inmemory")]
    [InlineData("--fresh", "--transport=inmemory")]
    public void TryParse_InMemoryWithDataOrFresh_Fails(params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out _, out var error));

        Assert.Contains("--data and --fresh apply to the embedded transport", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--transport embedded|inmemory")]
    [InlineData("--data DIR")]
    [InlineData("--fresh")]
    [InlineData("3 the data directory is in use by another process")]
    public void Usage_Always_DescribesTheDataDirectoryOptions(string text) =>
        Assert.Contains(text, ShopCommandLine.Usage, StringComparison.Ordinal);

    [Theory]
    [InlineData("--duplicates", "20", "--poison", "3")]
    [InlineData("--poison=3", "--duplicates=20")]
    public void TryParse_DuplicatesAndPoison_SetsThem(params string[] args)
    {
        Assert.True(ShopCommandLine.TryParse(args, out var options, out var error), error);

        Assert.Equal(20, options.Duplicates);
        Assert.Equal(3, options.Poison);
    }

    [Fact]
    public void TryParse_NoInjections_InjectsNothing()
    {
        Assert.True(ShopCommandLine.TryParse([], out var options, out _));

        Assert.Equal(0, options.Duplicates);
        Assert.Equal(0, options.Poison);
    }

    [Theory]
    [InlineData("--duplicates", "-1")]
    [InlineData("--duplicates", "many")]
    [InlineData("--duplicates=1.5")]
    [InlineData("--poison", "-3")]
    [InlineData("--poison", "x")]
    [InlineData("--poison=")]
    public void TryParse_InjectionNotAWholeNumber_FailsNamingTheRange(params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out var options, out var error));

        Assert.Null(options);
        Assert.Matches("^--(duplicates|poison) must be a whole number from 0 to 2147483647, not '.*'$", error);
    }

    [Theory]
    [InlineData("--duplicates")]
    [InlineData("--poison", "--json")]
    public void TryParse_InjectionWithoutValue_Fails(params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out _, out var error));

        Assert.EndsWith(" needs a value", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_MoreDuplicatesThanOrders_Fails()
    {
        Assert.False(ShopCommandLine.TryParse(["--orders", "10", "--duplicates", "11"], out _, out var error));

        Assert.Equal("--duplicates (11) cannot exceed --orders (10): each duplicate re-sends a different order", error);
    }

    [Fact]
    public void TryParse_AsManyDuplicatesAsOrders_Succeeds() =>
        Assert.True(ShopCommandLine.TryParse(["--duplicates", "10", "--orders", "10"], out _, out var error), error);

    [Theory]
    [InlineData("--orders", "0", "--duplicates", "1")]
    [InlineData("--poison", "1", "--orders", "0")]
    public void TryParse_InjectionsInAnEndlessRun_Fail(params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out _, out var error));

        Assert.Equal("--duplicates and --poison need a finite run; --orders 0 runs until Ctrl+C", error);
    }

    [Theory]
    [InlineData("--duplicates D")]
    [InlineData("--poison P")]
    [InlineData("DIR/shop.db")]
    public void Usage_Always_DescribesTheInjections(string text) =>
        Assert.Contains(text, ShopCommandLine.Usage, StringComparison.Ordinal);

    [Theory]
    [InlineData("--metrics-port", "9464")]
    [InlineData("--metrics-port=9464")]
    public void TryParse_MetricsPort_SetsThePort(params string[] args)
    {
        Assert.True(ShopCommandLine.TryParse([.. args, "--orders", "0"], out var options, out var error), error);

        Assert.Equal(9464, options.MetricsPort);
        Assert.True(options.RunsUntilStopped);
    }

    [Fact]
    public void TryParse_NoMetricsPort_ServesNoMetrics()
    {
        Assert.True(ShopCommandLine.TryParse([], out var options, out _));

        Assert.Null(options.MetricsPort);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("http")]
    public void TryParse_MetricsPortOutOfRange_FailsNamingTheRange(string port)
    {
        Assert.False(ShopCommandLine.TryParse(["--metrics-port", port], out _, out var error));

        Assert.Equal($"--metrics-port must be a whole number from 1 to 65535, not '{port}'", error);
    }

    [Fact]
    public void Usage_Always_DescribesTheMetricsPort() =>
        Assert.Contains("--metrics-port P", ShopCommandLine.Usage, StringComparison.Ordinal);

    [Theory]
    [InlineData("--data", "--data", "a", "--data", "b")]
    [InlineData("--transport", "--transport", "inmemory", "--transport=embedded")]
    [InlineData("--orders", "--orders=1", "--orders", "2")]
    [InlineData("--json", "--json", "--orders", "3", "--json")]
    [InlineData("--timeout", "--timeout", "10", "--timeout", "20")]
    public void TryParse_OptionGivenTwice_FailsNamingIt(string option, params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out _, out var error));

        Assert.Equal($"{option} was given more than once; give it once", error);
    }

    [Fact]
    public void TryParse_NoTimeout_WaitsTwoMinutes()
    {
        Assert.True(ShopCommandLine.TryParse([], out var options, out var error), error);

        Assert.Equal(120, options.TimeoutSeconds);
        Assert.Equal(TimeSpan.FromMinutes(2), options.CompletionTimeout);
    }

    [Theory]
    [InlineData(600, "--timeout", "600")]
    [InlineData(1, "--timeout=1")]
    public void TryParse_Timeout_SetsTheWait(int seconds, params string[] args)
    {
        Assert.True(ShopCommandLine.TryParse(args, out var options, out var error), error);

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.CompletionTimeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("86401")]
    [InlineData("soon")]
    public void TryParse_TimeoutOutOfRange_FailsNamingTheRange(string value)
    {
        Assert.False(ShopCommandLine.TryParse(["--timeout", value], out _, out var error));

        Assert.Equal($"--timeout must be a whole number from 1 to 86400, not '{value}'", error);
    }

    [Theory]
    [InlineData("[--timeout S]")]
    [InlineData("--timeout S    seconds to wait for the services")]
    [InlineData("(default 120, 1 to 86400)")]
    [InlineData("Each option may be given once.")]
    [InlineData("anything else in it is kept")]
    public void Usage_Always_DescribesTheTimeoutAndRepeatedOptions(string text) =>
        Assert.Contains(text, ShopCommandLine.Usage, StringComparison.Ordinal);

    [Theory]
    [InlineData("unknown option '--ordrs' (did you mean '--orders'?)", "--ordrs", "5")]
    [InlineData("unknown option '--fesh' (did you mean '--fresh'?)", "--fesh")]
    [InlineData("unknown option '--tiemout' (did you mean '--timeout'?)", "--tiemout=5")]
    [InlineData("unknown option '--frobnicate'", "--frobnicate")]
    [InlineData("unexpected argument 'orders'", "orders")]
    public void TryParse_UnknownOption_NamesItAndTheNearestKnownOne(string message, params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out _, out var error));

        Assert.Equal(message, error);
    }
}
