using Herald.Transports;

namespace Herald.Tests.Transports;

public sealed class ConnectionStringsTests
{
    [Theory]
    [InlineData("nats://a:4222,nats://u:s3cret@b:4222", "nats://a:4222,nats://***@b:4222")]
    [InlineData("nats://u:s3cret@a:4222, nats://b:4222", "nats://***@a:4222, nats://b:4222")]
    [InlineData("a:4222,u:s3cret@b:4222", "a:4222,***@b:4222")]
    [InlineData("user:s3cret@host:5672", "***@host:5672")]
    [InlineData("amqps//user:s3cret@", "amqps//***@")]
    [InlineData("amqps//user:s3cret@host:5671/", "amqps//***@host:5671/")]
    [InlineData("amqp://user:s3cret@host", "amqp://***@host")]
    [InlineData("amqp://user:s3cret@host:/", "amqp://***@host:/")]
    [InlineData("amqp://guest:s3cret@127.0.0.1:5672/", "amqp://***@127.0.0.1:5672/")]
    [InlineData("amqp://user:s3c@ret@host/", "amqp://***@host/")]
    [InlineData("amqp://user:s3c/ret@host/", "amqp://***@host/")]
    [InlineData("nats://user:s3c,ret@host:4222", "nats://***@host:4222")]
    [InlineData("amqp://host:5672/?password=s3cret", "amqp://host:5672/?password=***")]
    [InlineData("nats://host:4222?user=u&Password=s3cret&x=1", "nats://host:4222?user=u&Password=***&x=1")]
    [InlineData("nats://host:4222?token=s3cret", "nats://host:4222?token=***")]
    [InlineData("Host=h;Username=u;Pwd = s3cret;Port=1", "Host=h;Username=u;Pwd = ***;Port=1")]
    public void Redact_CredentialsInAnyFormat_HidesThem(string connection, string expected)
    {
        var redacted = ConnectionStrings.Redact(connection);

        Assert.Equal(expected, redacted);
        Assert.DoesNotContain("s3c", redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("nats://127.0.0.1:4222")]
    [InlineData("nats://a:4222,nats://b:4222")]
    [InlineData("amqp://127.0.0.1:5672/vhost?heartbeat=30")]
    [InlineData("amqps//host")]
    public void Redact_NoCredentials_ReturnsTheStringUnchanged(string connection)
    {
        Assert.Equal(connection, ConnectionStrings.Redact(connection));
    }
}
