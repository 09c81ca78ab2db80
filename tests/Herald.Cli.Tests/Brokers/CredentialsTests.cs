using Herald.Cli.Brokers;

namespace Herald.Cli.Tests.Brokers;

// The redaction itself is tested in Herald.Tests (ConnectionStringsTests); these show the tool never prints a password.
public sealed class CredentialsTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("rabbitmq", "amqps//user:s3cret@host:5671/")]
    [InlineData("rabbitmq", "user:s3cret@host:5672")]
    public async Task List_ConnectionThatIsNotAUri_ErrorHidesThePassword(string transport, string connection)
    {
        var code = await _cli.RunAsync("dlq", "list", "--transport", transport, "--connection", connection);

        Assert.NotEqual(ExitCodes.Success, code);
        Assert.Contains("***@host", _cli.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", _cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Display_CommaSeparatedNatsUrls_HidesThePassword()
    {
        var target = new BrokerTarget(BrokerKind.Nats, "nats://a:4222,nats://u:s3cret@b:4222", "herald");

        Assert.Equal("nats://a:4222,nats://***@b:4222", target.Display);
    }
}
