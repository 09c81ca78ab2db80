using System.Text;
using Confluent.Kafka;
using Herald.Transports;
using Herald.Transports.Embedded;
using static Herald.Kafka.Tests.KafkaTestSupport;

namespace Herald.Kafka.Tests;

/// <summary>Herald's records as any Kafka client sees them, records of any Kafka client as Herald reads them, and a Herald
/// application on the embedded log beside one on Kafka, through herald serve.</summary>
public sealed class KafkaInteropTests(KafkaServer server) : IAsyncDisposable
{
    private readonly KafkaTransport _transport = new(server.NewOptions());

    public ValueTask DisposeAsync() => _transport.DisposeAsync();

    [Fact]
    public async Task HeraldRecords_ReadByAPlainConsumer_KeyHeadersValueAndMurmur2Partition()
    {
        var token = TestContext.Current.CancellationToken;
        var topic = Unique("interop");
        var sent = Enumerable.Range(0, 8).Select(i => Envelope($"customer-{i}", i)).ToList();
        foreach (var envelope in sent)
        {
            await _transport.SendAsync(topic, envelope, token);
        }

        var records = Consume(topic, partitions: 4, sent.Count);

        foreach (var envelope in sent)
        {
            var record = Assert.Single(records, r => Header(r, "ce_id") == envelope.EventId);
            Assert.Equal(envelope.PartitionKey, Encoding.UTF8.GetString(record.Message.Key!));
            Assert.Equal(KeyPartitioner.Partition(envelope.PartitionKey!, 4), record.Partition.Value);
            Assert.Equal(envelope.Data.ToArray(), record.Message.Value);
            Assert.Equal(("1.0", "kafka.test", "/herald/kafka-tests", "application/json"), (Header(record, "ce_specversion"), Header(record, "ce_type"), Header(record, "ce_source"), Header(record, "content-type")));
            Assert.Equal(envelope.PartitionKey, Header(record, "ce_partitionkey"));
            Assert.Equal(envelope.Timestamp.ToUnixTimeMilliseconds(), record.Message.Timestamp.UnixTimestampMs);
        }
    }

    [Fact]
    public async Task PlainProducerWithMurmur2_RecordsReadByHeraldOnTheKeysPartitionsInOrder()
    {
        var token = TestContext.Current.CancellationToken;
        var topic = Unique("interop");
        await using var listener = await _transport.ListenAsync(topic, Unique("billing"), token);
        var keys = new[] { "order-42", "customer-7", "a", "zoë" };
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = server.Bootstrap, Partitioner = Partitioner.Murmur2Random }).Build())
        {
            for (var n = 0; n < 5; n++)
            {
                foreach (var key in keys)
                {
                    // What a producer in any language writes: binary-mode CloudEvents headers, the data as the value.
                    var headers = new Headers();
                    foreach (var (name, value) in new[] { ("ce_specversion", "1.0"), ("ce_id", $"{key}-{n}"), ("ce_source", "/java/orders"), ("ce_type", "order.placed"), ("ce_partitionkey", key), ("ce_sequence", $"{n}"), ("content-type", "application/json") })
                    {
                        headers.Add(name, Encoding.UTF8.GetBytes(value));
                    }

                    await producer.ProduceAsync(topic, new Message<string, string> { Key = key, Value = $$"""{"n":{{n}}}""", Headers = headers }, token);
                }
            }
        }

        var received = await ReceiveAsync(listener, keys.Length * 5);

        foreach (var key in keys)
        {
            var ofKey = received.Where(d => d.Envelope.PartitionKey == key).ToList();
            Assert.Equal([0L, 1, 2, 3, 4], ofKey.Select(d => d.Envelope.Sequence!.Value));
            // librdkafka's murmur2 partitioner and Herald's KeyPartitioner agree, so a key keeps one order on both sides.
            Assert.All(ofKey, d => Assert.Equal(KeyPartitioner.Partition(key, 4), d.Partition));
        }

        Assert.Equal("""{"n":3}""", Encoding.UTF8.GetString(received.First(d => d.Envelope.EventId == "a-3").Envelope.Data.Span));
    }

    [Fact]
    public async Task PlainProducerWithKeyButNoPartitionKeyHeader_HeraldReadsTheKeyAsThePartitionKey()
    {
        var token = TestContext.Current.CancellationToken;
        var topic = Unique("interop");
        await using var listener = await _transport.ListenAsync(topic, Unique("billing"), token);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = server.Bootstrap, Partitioner = Partitioner.Murmur2Random }).Build())
        {
            var headers = new Headers();
            foreach (var (name, value) in new[] { ("ce_specversion", "1.0"), ("ce_id", "keyed-1"), ("ce_source", "/java/orders"), ("ce_type", "order.placed") })
            {
                headers.Add(name, Encoding.UTF8.GetBytes(value));
            }

            await producer.ProduceAsync(topic, new Message<string, string> { Key = "customer-7", Value = "{}", Headers = headers }, token);
        }

        var received = Assert.Single(await ReceiveAsync(listener, 1));

        Assert.Equal(("keyed-1", "customer-7"), (received.Envelope.EventId, received.Envelope.PartitionKey));
        Assert.Equal(KeyPartitioner.Partition("customer-7", 4), received.Partition);
    }

    [Fact]
    public async Task PlainRecordThatIsNotACloudEvent_HandedOutInItsPlaceAsUnreadable()
    {
        var token = TestContext.Current.CancellationToken;
        var topic = Unique("interop");
        await using var listener = await _transport.ListenAsync(topic, Unique("billing"), token);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = server.Bootstrap }).Build())
        {
            await producer.ProduceAsync(new TopicPartition(topic, 1), new Message<string, string> { Key = "k", Value = "plain text" }, token);
        }

        await _transport.SendAsync(topic, Envelope("after", 0) with { PartitionKey = null }, token);
        var received = await ReceiveAsync(listener, 2);

        // Named by its place in the log (it has no ce_id), with its value kept, for the pipeline to dead-letter in order.
        var unreadable = Assert.Single(received, d => d.Envelope.EventId == $"{topic}-1@0");
        Assert.Equal("plain text", Encoding.UTF8.GetString(unreadable.Envelope.Data.Span));
    }

    [Fact]
    public async Task EmbeddedLogAppAndKafkaApp_ReadEachOthersEventsThroughHeraldServe()
    {
        var token = TestContext.Current.CancellationToken;
        var topic = Unique("interop");
        // A Herald application inside the server's process on its log, as an embedded-log application on the data directory would be.
        await using var embedded = EmbeddedLogTransport.Attach(server.Server.Log);
        await using var kafkaListener = await _transport.ListenAsync(topic, Unique("kafka-side"), token);
        await using var embeddedListener = await embedded.ListenAsync(topic, Unique("embedded-side"), token);

        var fromEmbedded = Envelope("order-1", 1) with { UserId = "Zoë", Extensions = new Dictionary<string, string>(StringComparer.Ordinal) { ["tenant"] = "acme" } };
        var fromKafka = Envelope("order-1", 2) with { CausationId = fromEmbedded.EventId, Depth = 1 };
        await embedded.SendAsync(topic, fromEmbedded, token);
        await _transport.SendAsync(topic, fromKafka, token);

        foreach (var listener in new[] { kafkaListener, embeddedListener })
        {
            var received = await ReceiveAsync(listener, 2);
            Assert.Equal([fromEmbedded.EventId, fromKafka.EventId], received.Select(d => d.Envelope.EventId));
            Assert.Equivalent(fromEmbedded, received[0].Envelope);
            Assert.Equivalent(fromKafka, received[1].Envelope);
            Assert.Equal(received[0].Partition, received[1].Partition);
        }
    }

    private List<ConsumeResult<byte[], byte[]>> Consume(string topic, int partitions, int count)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = server.Bootstrap, GroupId = Unique("plain"), EnableAutoCommit = false }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<ConsumeResult<byte[], byte[]>>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        while (records.Count < count)
        {
            records.Add(consumer.Consume(timeout.Token));
        }

        return records;
    }

    private static string? Header(ConsumeResult<byte[], byte[]> record, string name) =>
        record.Message.Headers.TryGetLastBytes(name, out var value) ? Encoding.UTF8.GetString(value) : null;
}
