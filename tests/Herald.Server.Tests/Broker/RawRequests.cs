using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Herald.Server.Protocol;

namespace Herald.Server.Tests.Broker;

/// <summary>One Kafka request at a time over a plain socket, encoded by the server's own codecs: for what a client
/// library will not send (an old version, a duplicate name, a request it does not support).</summary>
internal static class RawRequests
{
    private const int CorrelationId = 7;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Opens a connection to <paramref name="server"/>.</summary>
    public static async Task<Socket> ConnectAsync(EndPoint server)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server, Token);
        return socket;
    }

    /// <summary>Sends <paramref name="request"/> at <paramref name="version"/> and reads its response, checking the correlation id.</summary>
    public static async Task<TResponse> SendAsync<TResponse>(Socket socket, ApiKey key, short version, IKafkaRequest request, string clientId = "raw-test")
        where TResponse : IKafkaMessage<TResponse>
    {
        using var writer = new KafkaWriter();
        KafkaFrames.WriteRequest(writer, new RequestHeader { RequestApiKey = (short)key, RequestApiVersion = version, CorrelationId = CorrelationId, ClientId = clientId }, request);
        await socket.SendAsync(writer.WrittenMemory, Token);
        var prefix = new byte[4];
        await ReceiveExactlyAsync(socket, prefix);
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        await ReceiveExactlyAsync(socket, frame);
        var response = KafkaFrames.ReadResponse<TResponse>(frame, key, version, out var correlation);
        Assert.Equal(CorrelationId, correlation);
        return response;
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var read = await socket.ReceiveAsync(buffer, Token);
            Assert.True(read > 0, "the server closed the connection");
            buffer = buffer[read..];
        }
    }
}
