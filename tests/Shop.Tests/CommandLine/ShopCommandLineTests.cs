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
        Assert.True(ShopCommandLine.TryParse(["--transport", "inmemory", "--transport=embedded"], out var options, out var error), error);

        Assert.Equal(ShopTransport.Embedded, options.Transport);
    }

    [Theory]
    [InlineData("--transport", "kafka")]
    [InlineData("--transport=")]
    public void TryParse_UnknownTransport_FailsNamingTheChoices(params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out var options, out var error));

        Assert.Null(options);
        Assert.Contains("--transport must be 'embedded' or 'inmemory'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--transport")]
    [InlineData("--transport", "--json")]
    public void TryParse_TransportWithoutValue_Fails(params string[] args)
    {
        Assert.False(ShopCommandLine.TryParse(args, out _, out var error));

        Assert.Equal("--transport needs a value: embedded or inmemory", error);
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
}
