using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Herald.Log.Storage;
using Herald.Server.Protocol;

namespace Herald.Server.Tests.Broker;

/// <summary>Fetch at the protocol level: min bytes, max bytes and how much one round trip carries.</summary>
public sealed class FetchTests(ServerFixture fixture)
{
    [Fact]
    public async Task MinBytesAlreadyStored_AnsweredAtOnce_WithEveryBatch()
    {
        var topic = ServerFixture.Unique("fetch-min");
        var partition = fixture.Server.Log.GetOrCreateTopic(topic).Partitions[0];
        for (var i = 0; i < 40; i++)
        {
            await partition.AppendAsync(new LogRecord(0, null, Encoding.UTF8.GetBytes(new string('x', 1000))), TestContext.Current.CancellationToken);
        }

        var watch = Stopwatch.StartNew();
        var response = await FetchAsync(topic, offset: 0, minBytes: 30_000, maxWaitMs: 5_000, partitionMaxBytes: 1 << 20);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the fetch waited {watch.Elapsed} with its min bytes stored");
        var data = response.Responses.Single().Partitions.Single();
        Assert.Equal(0, data.ErrorCode);
        Assert.Equal(40, CountRecords(data.Records!.Value.Span));
    }

    [Fact]
    public async Task PartitionMaxBytes_CutsAtABatchBoundary_AndTheNextFetchGoesOn()
    {
        var topic = ServerFixture.Unique("fetch-max");
        var partition = fixture.Server.Log.GetOrCreateTopic(topic).Partitions[0];
        for (var i = 0; i < 10; i++)
        {
            await partition.AppendAsync(new LogRecord(0, null, Encoding.UTF8.GetBytes(new string('y', 1000))), TestContext.Current.CancellationToken);
        }

        var first = (await FetchAsync(topic, 0, 1, 0, partitionMaxBytes: 3_500)).Responses.Single().Partitions.Single().Records!.Value;
        var firstCount = CountRecords(first.Span);
        var second = (await FetchAsync(topic, firstCount, 1, 0, partitionMaxBytes: 1 << 20)).Responses.Single().Partitions.Single().Records!.Value;

        Assert.InRange(first.Length, 1, 3_500);
        Assert.Equal(3, firstCount);
        Assert.Equal(7, CountRecords(second.Span));
    }

    [Fact]
    public async Task FirstBatchLargerThanEveryLimit_StillServed()
    {
        var topic = ServerFixture.Unique("fetch-big");
        var partition = fixture.Server.Log.GetOrCreateTopic(topic).Partitions[0];
        await partition.AppendAsync(new LogRecord(0, null, new byte[50_000]), TestContext.Current.CancellationToken);

        var records = (await FetchAsync(topic, 0, 1, 0, partitionMaxBytes: 100)).Responses.Single().Partitions.Single().Records!.Value;

        Assert.Equal(1, CountRecords(records.Span));
    }

    private static int CountRecords(ReadOnlySpan<byte> batches)
    {
        var count = 0;
        while (RecordBatchHeader.TryRead(batches, out var header) && header.Size <= batches.Length)
        {
            count += header.RecordCount;
            batches = batches[header.Size..];
        }

        return count;
    }

    private async Task<FetchResponse> FetchAsync(string topic, long offset, int minBytes, int maxWaitMs, int partitionMaxBytes)
    {
        const short Version = 11;
        var request = new FetchRequest
        {
            MaxWaitMs = maxWaitMs,
            MinBytes = minBytes,
            MaxBytes = 50 << 20,
            Topics = [new FetchRequest.FetchTopic { Topic = topic, Partitions = [new FetchRequest.FetchPartition { Partition = 0, FetchOffset = offset, PartitionMaxBytes = partitionMaxBytes }] }],
        };
        using var writer = new KafkaWriter();
        KafkaFrames.WriteRequest(writer, new RequestHeader { RequestApiKey = (short)ApiKey.Fetch, RequestApiVersion = Version, CorrelationId = 9, ClientId = "fetch-test" }, request);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(fixture.Server.LocalEndPoint, TestContext.Current.CancellationToken);
        await socket.SendAsync(writer.WrittenMemory, TestContext.Current.CancellationToken);
        using var stream = new NetworkStream(socket);
        var prefix = new byte[4];
        await stream.ReadExactlyAsync(prefix, TestContext.Current.CancellationToken);
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        await stream.ReadExactlyAsync(frame, TestContext.Current.CancellationToken);
        var response = KafkaFrames.ReadResponse<FetchResponse>(frame, ApiKey.Fetch, Version, out var correlation);
        Assert.Equal(9, correlation);
        return response;
    }
}
