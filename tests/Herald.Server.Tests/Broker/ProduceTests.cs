using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Herald.Log.Storage;
using Herald.Server.Protocol;

namespace Herald.Server.Tests.Broker;

/// <summary>Produce at the protocol level, with batches as Kafka clients other than librdkafka and Java write them.</summary>
public sealed class ProduceTests(ServerFixture fixture)
{
    // RecordBatch v2 header positions (Kafka's DefaultRecordBatch).
    private const int CrcPosition = 17;
    private const int AttributesPosition = 21;
    private const int ProducerEpochPosition = 51;
    private const int BaseSequencePosition = 53;
    private const int RecordsPosition = 61;

    [Fact]
    public async Task ProduceV7_NoProducerIdWithEpochAndSequenceZero_AppendedAndStoredWithMinusOneAndAValidCrc()
    {
        // kafkajs writes producerEpoch 0 and baseSequence 0 in a batch without a producer id (Java and librdkafka write
        // -1); Kafka ignores both there. herald serve refused such a batch as an invalid record.
        var token = TestContext.Current.CancellationToken;
        var topic = ServerFixture.Unique("produce-kafkajs");
        var partition = fixture.Server.Log.GetOrCreateTopic(topic).Partitions[0];
        var batch = await KafkajsBatchAsync(token);
        Assert.Equal((-1L, (short)0, 0), ProducerFields(batch));

        foreach (var expected in (long[])[0, 1])
        {
            var answer = (await ProduceAsync(topic, batch, token)).Responses.Single().PartitionResponses.Single();
            Assert.Equal(((short)0, expected), (answer.ErrorCode, answer.BaseOffset));
        }

        using var reader = partition.OpenReader(0);
        var values = new List<string>();
        while (reader.TryRead(out var records))
        {
            for (var rest = records.Bytes; RecordBatchHeader.TryRead(rest, out var header); rest = rest[header.Size..])
            {
                var stored = rest[..header.Size].ToArray();
                // Stored without kafkajs's meaningless epoch and sequence (a sequence there reads as the log's
                // commit-group stamp), under a CRC computed again; the records as they came.
                Assert.Equal((-1L, (short)-1, -1), ProducerFields(stored));
                Assert.Equal(Crc32C(stored.AsSpan(AttributesPosition)), BinaryPrimitives.ReadUInt32BigEndian(stored.AsSpan(CrcPosition)));
                Assert.Equal(batch.AsSpan(RecordsPosition), stored.AsSpan(RecordsPosition));
            }

            foreach (var record in records)
            {
                values.Add(Encoding.UTF8.GetString(record.Value));
            }
        }

        Assert.Equal(["kafkajs-1", "kafkajs-1"], values);
    }

    // A one-record batch as kafkajs writes it: the log's own encoding of the record, with kafkajs's producer fields.
    private async Task<byte[]> KafkajsBatchAsync(CancellationToken token)
    {
        var scratch = fixture.Server.Log.GetOrCreateTopic(ServerFixture.Unique("produce-scratch")).Partitions[0];
        await scratch.AppendAsync(new LogRecord(1_700_000_000_000, "k"u8.ToArray(), "kafkajs-1"u8.ToArray()), token);
        using var reader = scratch.OpenReader(0);
        Assert.True(reader.TryRead(out var records));
        var batch = records.Bytes.ToArray();
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(ProducerEpochPosition), 0);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(BaseSequencePosition), 0);
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(CrcPosition), Crc32C(batch.AsSpan(AttributesPosition)));
        return batch;
    }

    private async Task<ProduceResponse> ProduceAsync(string topic, byte[] batch, CancellationToken token)
    {
        const short Version = 7;
        var request = new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 5_000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = batch }] }],
        };
        using var writer = new KafkaWriter();
        KafkaFrames.WriteRequest(writer, new RequestHeader { RequestApiKey = (short)ApiKey.Produce, RequestApiVersion = Version, CorrelationId = 5, ClientId = "kafkajs" }, request);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(fixture.Server.LocalEndPoint, token);
        await socket.SendAsync(writer.WrittenMemory, token);
        using var stream = new NetworkStream(socket);
        var prefix = new byte[4];
        await stream.ReadExactlyAsync(prefix, token);
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        await stream.ReadExactlyAsync(frame, token);
        var response = KafkaFrames.ReadResponse<ProduceResponse>(frame, ApiKey.Produce, Version, out var correlation);
        Assert.Equal(5, correlation);
        return response;
    }

    private static (long ProducerId, short Epoch, int Sequence) ProducerFields(byte[] batch)
    {
        Assert.True(RecordBatchHeader.TryRead(batch, out var header));
        return (header.ProducerId, header.ProducerEpoch, header.BaseSequence);
    }

    // CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as RecordBatch v2 uses.
    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
