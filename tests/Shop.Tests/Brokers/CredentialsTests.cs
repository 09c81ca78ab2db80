namespace Shop.Tests.Brokers;

// The redaction itself is tested in Herald.Tests (ConnectionStringsTests); these show the Shop never prints a password.
public sealed class CredentialsTests : IDisposable
{
    private readonly TempDataDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData("amqps//user:s3cret@host:5671/")]
    [InlineData("user:s3cret@host:5672")]
    public async Task RunAsync_ConnectionThatIsNotAUri_WritesOneLineWithoutThePassword(string connection)
    {
        using var diagnostics = new StringWriter();

        var code = await ShopApplication.RunAsync(
            ["--transport", "rabbitmq", "--connection", connection, "--data", _data.DataDirectory, "--orders", "10"],
            TextWriter.Null,
            diagnostics);

        Assert.Equal(ShopApplication.BrokerUnreachable, code);
        var line = Assert.Single(diagnostics.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("***@host", line, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", line, StringComparison.Ordinal);
    }
}
