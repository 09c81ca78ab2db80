using System.Security.Cryptography;
using System.Text;
using Herald.Server.Internal.Sasl;

namespace Herald.Server.Tests.Sasl;

public sealed class ScramExchangeTests
{
    // RFC 7677, section 3: SCRAM-SHA-256 for user "user", password "pencil".
    private const string ClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    [Fact]
    public void Rfc7677Exchange_GivesTheServerMessagesOfTheRfc()
    {
        var exchange = Exchange("pencil");

        Assert.Equal(ServerFirst, Step(exchange, ClientFirst, out var firstDone));
        Assert.False(firstDone);
        Assert.Equal(ServerFinal, Step(exchange, ClientFinal, out var finalDone));
        Assert.True(finalDone);
        Assert.Equal("user", exchange.User);
    }

    [Fact]
    public void ClientNonceRepeatedBeforeTheServers_Accepted_AsKafkaDoes()
    {
        // librdkafka 2.0 sends its nonce, then the server's whole nonce (which starts with the client's); the proof covers what it sent.
        var credentials = new ServerCredentials(new Dictionary<string, string> { ["user"] = "pencil" });
        var exchange = new ScramExchange(HashAlgorithmName.SHA256, credentials, "server");
        var serverFirst = Step(exchange, "n,,n=user,r=client", out _)!;
        var salt = Convert.FromBase64String(serverFirst.Split(',')[1][2..]);
        var withoutProof = "c=biws,r=clientclientserver";
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes("pencil"), salt, 4096, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var signature = HMACSHA256.HashData(SHA256.HashData(clientKey), Encoding.UTF8.GetBytes($"n=user,r=client,{serverFirst},{withoutProof}"));
        var proof = clientKey.Zip(signature, (a, b) => (byte)(a ^ b)).ToArray();

        Assert.StartsWith("v=", Step(exchange, $"{withoutProof},p={Convert.ToBase64String(proof)}", out var done));
        Assert.True(done);
    }

    [Fact]
    public void WrongPassword_ProofRefused()
    {
        var exchange = Exchange("not-pencil");

        Assert.Equal(ServerFirst, Step(exchange, ClientFirst, out _));
        Assert.Null(Step(exchange, ClientFinal, out _));
    }

    [Theory]
    [InlineData("y,,n=user,r=abc")]
    [InlineData("p=tls-unique,,n=user,r=abc")]
    [InlineData("n,,r=abc")]
    [InlineData("n,,n=user")]
    [InlineData("n,,n=user,r=")]
    [InlineData("n,,n=user,n=other,r=abc")]
    [InlineData("garbage")]
    public void MalformedClientFirst_Refused(string clientFirst) => Assert.Null(Step(Exchange("pencil"), clientFirst, out _));

    [Theory]
    [InlineData("c=biws,r=wrong-nonce,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")]
    [InlineData("c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=not base64!")]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA")]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")]
    public void MalformedOrForgedClientFinal_Refused(string clientFinal)
    {
        var exchange = Exchange("pencil");
        Step(exchange, ClientFirst, out _);

        Assert.Null(Step(exchange, clientFinal, out _));
    }

    [Fact]
    public void UnknownUser_GetsASaltAndFailsAtTheProof_TheSameSaltEachTime()
    {
        var credentials = new ServerCredentials(new Dictionary<string, string> { ["user"] = "pencil" });
        var first = Step(new ScramExchange(HashAlgorithmName.SHA256, credentials), "n,,n=nobody,r=abc", out _);
        var again = Step(new ScramExchange(HashAlgorithmName.SHA256, credentials), "n,,n=nobody,r=abc", out _);

        Assert.NotNull(first);
        Assert.Equal(first!.Split(',')[1], again!.Split(',')[1]);
    }

    private static ScramExchange Exchange(string password)
    {
        var credentials = new ServerCredentials(new Dictionary<string, string> { ["user"] = password });
        credentials.Seed("user", HashAlgorithmName.SHA256, Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="));
        return new ScramExchange(HashAlgorithmName.SHA256, credentials, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
    }

    private static string? Step(ScramExchange exchange, string message, out bool done) =>
        exchange.Step(Encoding.UTF8.GetBytes(message), out done) is { } answer ? Encoding.UTF8.GetString(answer) : null;
}
