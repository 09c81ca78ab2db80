using System.Buffers.Binary;
using System.Net.Sockets;
using Herald.Server.Protocol;

namespace Herald.Server.Tests.Broker;

/// <summary>A client configured for SASL against a server without users is told that no mechanism is enabled.</summary>
public sealed class SaslWithoutUsersTests(ServerFixture fixture)
{
    [Fact]
    public async Task SaslHandshake_NoUsersConfigured_UnsupportedMechanism_WithNoneOffered()
    {
        var token = TestContext.Current.CancellationToken;
        using var writer = new KafkaWriter();
        KafkaFrames.WriteRequest(writer, new RequestHeader { RequestApiKey = (short)ApiKey.SaslHandshake, RequestApiVersion = 1, CorrelationId = 3, ClientId = "sasl" }, new SaslHandshakeRequest { Mechanism = "PLAIN" });
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(fixture.Server.LocalEndPoint, token);
        await socket.SendAsync(writer.WrittenMemory, token);
        using var stream = new NetworkStream(socket);
        var prefix = new byte[4];
        await stream.ReadExactlyAsync(prefix, token);
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        await stream.ReadExactlyAsync(frame, token);

        var response = KafkaFrames.ReadResponse<SaslHandshakeResponse>(frame, ApiKey.SaslHandshake, 1, out var correlation);

        Assert.Equal(3, correlation);
        Assert.Equal((short)ErrorCode.UnsupportedSaslMechanism, response.ErrorCode);
        Assert.Empty(response.Mechanisms);
    }
}
