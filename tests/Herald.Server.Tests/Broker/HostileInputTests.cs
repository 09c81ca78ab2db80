using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Confluent.Kafka;
using Herald.Server.Protocol;

namespace Herald.Server.Tests.Broker;

/// <summary>Malformed and hostile frames, thousands of them, while a well-behaved client produces and consumes: each bad
/// connection is closed (or answered) promptly, the good client never notices, memory follows what was sent.</summary>
public sealed class HostileInputTests(ServerFixture fixture)
{
    private const int Frames = 10_000;

    [Fact]
    public async Task TenThousandMalformedFrames_BesideAGoodClient_NoCrashNoHangGoodClientUnaffectedMemoryBounded()
    {
        var token = TestContext.Current.CancellationToken;
        var topic = ServerFixture.Unique("hostile");
        GC.Collect();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var good = Task.Run(() => GoodClient(topic, token), token);

        var endpoint = fixture.Server.LocalEndPoint;
        var next = -1;
        var slowest = TimeSpan.Zero;
        var kinds = new int[Enum.GetValues<Kind>().Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, 8), token, async (worker, cancellationToken) =>
        {
            var random = new Random(worker);
            int i;
            while ((i = Interlocked.Increment(ref next)) < Frames)
            {
                var kind = (Kind)(i % kinds.Length);
                Interlocked.Increment(ref kinds[(int)kind]);
                var frame = Frame(kind, random);
                var elapsed = await SendAndWaitForCloseAsync(endpoint, frame, cancellationToken);
                lock (kinds)
                {
                    slowest = elapsed > slowest ? elapsed : slowest;
                }
            }
        });

        var (produced, consumed) = await good;
        Assert.Equal(produced, consumed);
        Assert.True(slowest < TimeSpan.FromSeconds(10), $"a malformed frame's connection took {slowest} to close");
        Assert.All(kinds, count => Assert.True(count >= Frames / kinds.Length));

        // Still serving: a new client gets metadata.
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.Bootstrap }).Build();
        Assert.Single(admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers);
        GC.Collect();
        var grown = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        Assert.True(grown < 64 * 1024 * 1024, $"managed memory grew by {grown / (1024 * 1024)} MiB");
    }

    [Fact]
    public async Task ConnectionsPastMaxConnections_ClosedAsTheyArrive_TheOpenOnesKeepWorking()
    {
        var token = TestContext.Current.CancellationToken;
        var directory = Path.Combine(Path.GetTempPath(), $"herald-serve-max-{Guid.NewGuid():N}");
        await using var server = new HeraldServer(new HeraldServerOptions { DataDirectory = directory, Listen = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), MaxConnections = 2 });
        await server.StartAsync(token);
        try
        {
            using var first = new Socket(SocketType.Stream, ProtocolType.Tcp);
            using var second = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await first.ConnectAsync(server.LocalEndPoint, token);
            await second.ConnectAsync(server.LocalEndPoint, token);
            await Task.Delay(200, token);

            // The third is accepted by the kernel, then closed by the server without a byte.
            using (var third = new Socket(SocketType.Stream, ProtocolType.Tcp))
            {
                await third.ConnectAsync(server.LocalEndPoint, token);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                Assert.Equal(0, await third.ReceiveAsync(new byte[16], timeout.Token));
            }

            // The open ones are served.
            await first.SendAsync(ApiVersionsFrame(), token);
            Assert.True(await first.ReceiveAsync(new byte[4096], token) > 0);

            // Once one closes, a new connection is accepted again.
            second.Close();
            await Task.Delay(200, token);
            using var fourth = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await fourth.ConnectAsync(server.LocalEndPoint, token);
            await fourth.SendAsync(ApiVersionsFrame(), token);
            Assert.True(await fourth.ReceiveAsync(new byte[4096], token) > 0);
        }
        finally
        {
            await server.StopAsync(token);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task AConnectionThatSendsNothingForConnectionsMaxIdle_IsClosed_OneThatKeepsAskingIsNot()
    {
        var token = TestContext.Current.CancellationToken;
        var directory = Path.Combine(Path.GetTempPath(), $"herald-serve-idle-{Guid.NewGuid():N}");
        var options = new HeraldServerOptions { DataDirectory = directory, Listen = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), ConnectionsMaxIdle = TimeSpan.FromMilliseconds(500) };
        await using var server = new HeraldServer(options);
        await server.StartAsync(token);
        try
        {
            using var quiet = new Socket(SocketType.Stream, ProtocolType.Tcp);
            using var busy = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await quiet.ConnectAsync(server.LocalEndPoint, token);
            await busy.ConnectAsync(server.LocalEndPoint, token);
            var closed = quiet.ReceiveAsync(new byte[16], token).AsTask();

            // Asking every 200 ms for 1.5 s: three times the idle limit, never idle for it.
            for (var i = 0; i < 8; i++)
            {
                await busy.SendAsync(ApiVersionsFrame(), token);
                Assert.True(await busy.ReceiveAsync(new byte[4096], token) > 0, $"the busy connection was closed after {i} requests");
                await Task.Delay(200, token);
            }

            Assert.True(closed.IsCompleted, "the quiet connection is still open after three times ConnectionsMaxIdle");
            Assert.Equal(0, await closed);
        }
        finally
        {
            await server.StopAsync(token);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ConnectionsMaxIdle_ZeroOrNegative_IsRefused_InfiniteIsAllowed()
    {
        var options = new HeraldServerOptions { DataDirectory = Path.GetTempPath(), ConnectionsMaxIdle = TimeSpan.Zero };
        Assert.Contains("ConnectionsMaxIdle", Assert.Throws<ArgumentOutOfRangeException>(options.Validate).Message, StringComparison.Ordinal);
        options.ConnectionsMaxIdle = Timeout.InfiniteTimeSpan;
        options.Validate();
    }

    private static byte[] ApiVersionsFrame()
    {
        using var writer = new KafkaWriter();
        KafkaFrames.WriteRequest(writer, new RequestHeader { RequestApiKey = (short)ApiKey.ApiVersions, RequestApiVersion = 3, CorrelationId = 1, ClientId = "max" }, new ApiVersionsRequest { ClientSoftwareName = "t", ClientSoftwareVersion = "1" });
        return writer.WrittenSpan.ToArray();
    }

    private enum Kind
    {
        Truncated,
        OversizedLength,
        UnknownApiKey,
        UnsupportedVersion,
        GarbageBody,
        NegativeCount,
        MutatedValidRequest,
        TinyLength,
        HugeClaimedButShort,
    }

    private static byte[] Frame(Kind kind, Random random)
    {
        var valid = ValidRequest(random);
        switch (kind)
        {
            case Kind.Truncated:
                return valid[..random.Next(1, valid.Length - 1)];
            case Kind.OversizedLength:
                BinaryPrimitives.WriteInt32BigEndian(valid, random.Next(101 * 1024 * 1024, int.MaxValue));
                return valid;
            case Kind.UnknownApiKey:
                BinaryPrimitives.WriteInt16BigEndian(valid.AsSpan(4), (short)random.Next(1000, short.MaxValue));
                return valid;
            case Kind.UnsupportedVersion:
                BinaryPrimitives.WriteInt16BigEndian(valid.AsSpan(6), (short)random.Next(100, short.MaxValue));
                return valid;
            case Kind.GarbageBody:
                random.NextBytes(valid.AsSpan(12));
                return valid;
            case Kind.NegativeCount:
                // After a metadata v1 header: the topic array's count.
                return Raw(3, 1, w => w.WriteInt32(random.Next(int.MinValue, -1)));
            case Kind.MutatedValidRequest:
                for (var flips = random.Next(1, 8); flips > 0; flips--)
                {
                    valid[random.Next(8, valid.Length)] ^= (byte)(1 << random.Next(8));
                }

                return valid;
            case Kind.TinyLength:
                return [0, 0, 0, (byte)random.Next(0, 8), 0, 18];
            default:
                var claimed = new byte[4 + 64];
                BinaryPrimitives.WriteInt32BigEndian(claimed, 90 * 1024 * 1024);
                return claimed;
        }
    }

    private static byte[] ValidRequest(Random random)
    {
        using var writer = new KafkaWriter();
        var header = new RequestHeader { CorrelationId = random.Next(), ClientId = "fuzz" };
        IKafkaRequest body;
        switch (random.Next(3))
        {
            case 0:
                (header.RequestApiKey, header.RequestApiVersion) = ((short)ApiKey.Metadata, (short)random.Next(4, 13));
                body = new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = "fuzz-topic" }], AllowAutoTopicCreation = false };
                break;
            case 1:
                (header.RequestApiKey, header.RequestApiVersion) = ((short)ApiKey.ApiVersions, (short)random.Next(0, 4));
                body = new ApiVersionsRequest { ClientSoftwareName = "fuzz", ClientSoftwareVersion = "1" };
                break;
            default:
                (header.RequestApiKey, header.RequestApiVersion) = ((short)ApiKey.Produce, (short)random.Next(3, 10));
                var records = new byte[random.Next(61, 200)];
                random.NextBytes(records);
                body = new ProduceRequest
                {
                    Acks = -1,
                    TimeoutMs = 1000,
                    TopicData = [new ProduceRequest.TopicProduceData { Name = "fuzz-topic", PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = records }] }],
                };
                break;
        }

        KafkaFrames.WriteRequest(writer, header, body);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Raw(short api, short version, Action<KafkaWriter> body)
    {
        using var writer = new KafkaWriter();
        var start = writer.BeginSizePrefix();
        writer.WriteInt16(api);
        writer.WriteInt16(version);
        writer.WriteInt32(7);
        writer.WriteNullableString("fuzz");
        body(writer);
        writer.EndSizePrefix(start);
        return writer.WrittenSpan.ToArray();
    }

    // Sends the frame, says no more will come, and waits until the server closes the connection (reading any answer).
    private static async Task<TimeSpan> SendAndWaitForCloseAsync(System.Net.IPEndPoint endpoint, byte[] frame, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint, cancellationToken);
        try
        {
            await socket.SendAsync(frame, cancellationToken);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The server closed first, which is what was asked of it.
            return watch.Elapsed;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // Reset by the server: closed.
        }

        return watch.Elapsed;
    }

    private (int Produced, int Consumed) GoodClient(string topic, CancellationToken cancellationToken)
    {
        const int Count = 20_000;
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = fixture.Bootstrap, EnableIdempotence = true, LingerMs = 2 }).Build())
        {
            for (var i = 0; i < Count; i++)
            {
                producer.Produce(topic, new Message<string, string> { Key = $"k{i % 10}", Value = $"v{i}" });
                if (i % 1000 == 0)
                {
                    // Spread over the fuzzing, not all at once.
                    Thread.Sleep(50);
                }
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        }

        var partitions = fixture.Server.Log.GetOrCreateTopic(topic).Partitions.Count;
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = fixture.Bootstrap, GroupId = "unused", EnableAutoCommit = false }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var consumed = 0;
        var until = DateTime.UtcNow.AddSeconds(60);
        while (consumed < Count && DateTime.UtcNow < until && !cancellationToken.IsCancellationRequested)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not null)
            {
                consumed++;
            }
        }

        return (Count, consumed);
    }
}
