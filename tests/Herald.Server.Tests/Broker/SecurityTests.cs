using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.Server.Protocol;

namespace Herald.Server.Tests.Broker;

/// <summary>TLS and SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), judged by kcat, and what the server refuses.</summary>
public sealed class SecurityTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"herald-serve-sec-{Guid.NewGuid():N}");
    private HeraldServer _server = null!;
    private string _caFile = null!;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        _caFile = Path.Combine(_directory, "ca.pem");
        await File.WriteAllTextAsync(_caFile, created.ExportCertificatePem());
        var options = new HeraldServerOptions
        {
            DataDirectory = Path.Combine(_directory, "data"),
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null),
        };
        options.Users["alice"] = "wonderland";
        options.Users["bob=,odd"] = "p@ss:word";
        _server = new HeraldServer(options);
        await _server.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("PLAIN", "alice", "wonderland")]
    [InlineData("SCRAM-SHA-256", "alice", "wonderland")]
    [InlineData("SCRAM-SHA-512", "alice", "wonderland")]
    [InlineData("SCRAM-SHA-256", "bob=,odd", "p@ss:word")]
    public async Task SaslOverTls_GoodCredentials_ProduceAndConsume(string mechanism, string user, string password)
    {
        var topic = ServerFixture.Unique("secure");

        var produced = await KcatAsync("a:1\nb:2\n", mechanism, user, password, "-P", "-t", topic, "-K:");
        var read = await KcatAsync(null, mechanism, user, password, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k=%s\\n");

        Assert.Equal(0, produced.Code);
        Assert.Equal(0, read.Code);
        Assert.Equal(["a=1", "b=2"], read.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [Theory]
    [InlineData("PLAIN", "alice", "wrong")]
    [InlineData("SCRAM-SHA-256", "alice", "wrong")]
    [InlineData("SCRAM-SHA-512", "mallory", "wonderland")]
    public async Task WrongCredentials_Refused_NothingServed(string mechanism, string user, string password)
    {
        var (code, _, error) = await KcatAsync(null, mechanism, user, password, "-L");

        Assert.NotEqual(0, code);
        Assert.Contains("Authentication failed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlaintextClient_AgainstTheTlsListener_IsClosed_AndTheServerKeepsServing()
    {
        using (var socket = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(_server.LocalEndPoint, TestContext.Current.CancellationToken);
            await socket.SendAsync(MetadataRequestFrame(), TestContext.Current.CancellationToken);
            var buffer = new byte[1024];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, timeout.Token);
            }
            catch (SocketException)
            {
                read = 0;
            }

            // Whatever TLS alert came back, no Kafka response did, and the connection ended.
            Assert.True(read == 0 || buffer[0] == 0x15, $"unexpected {read} bytes starting {buffer[0]:x2}");
        }

        Assert.Equal(0, (await KcatAsync(null, "PLAIN", "alice", "wonderland", "-L")).Code);
    }

    [Fact]
    public async Task TlsWithoutSasl_RequestBeforeAuthenticating_ClosesTheConnection()
    {
        var (code, _, error) = await RunKcatAsync(null, ["-X", "security.protocol=SSL", "-X", $"ssl.ca.location={_caFile}", "-L", "-m", "3"]);

        Assert.NotEqual(0, code);
        Assert.Contains("Failed to acquire metadata", error, StringComparison.Ordinal);
    }

    [Fact]
    public void NonLoopbackAddress_WithoutCertificateOrUsers_Refused_NamingWhatIsMissing()
    {
        var options = new HeraldServerOptions { DataDirectory = _directory, Listen = new IPEndPoint(IPAddress.Any, 9092) };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("0.0.0.0:9092 is not a loopback address", error.Message, StringComparison.Ordinal);
        Assert.Contains("a certificate and users are not configured", error.Message, StringComparison.Ordinal);

        options.Users["alice"] = "wonderland";
        Assert.Contains("a certificate are not configured", Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
    }

    private static byte[] MetadataRequestFrame()
    {
        using var writer = new KafkaWriter();
        KafkaFrames.WriteRequest(writer, new RequestHeader { RequestApiKey = (short)ApiKey.Metadata, RequestApiVersion = 1, CorrelationId = 1, ClientId = "plain" }, new MetadataRequest());
        return writer.WrittenSpan.ToArray();
    }

    private Task<(int Code, string Output, string Error)> KcatAsync(string? input, string mechanism, string user, string password, params string[] arguments) =>
        RunKcatAsync(input, ["-X", "security.protocol=SASL_SSL", "-X", $"ssl.ca.location={_caFile}", "-X", $"sasl.mechanisms={mechanism}", "-X", $"sasl.username={user}", "-X", $"sasl.password={password}", .. arguments]);

    private Task<(int Code, string Output, string Error)> RunKcatAsync(string? input, string[] arguments) =>
        Kcat.RunAsync($"localhost:{_server.LocalEndPoint.Port}", input, arguments);
}
