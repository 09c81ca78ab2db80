using System.Text;
using Confluent.Kafka;

namespace Herald.Server.Tests.Broker;

/// <summary>Confluent.Kafka (librdkafka), the client .NET teams use for Kafka, against herald serve.</summary>
public sealed class ConfluentClientTests(ServerFixture fixture)
{
    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    public async Task IdempotentProducer_AcksAll_EveryRecordReadBackOnceInOrderPerPartition(CompressionType compression)
    {
        var topic = ServerFixture.Unique("confluent");
        const int Count = 5_000;
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = fixture.Bootstrap,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = compression,
            LingerMs = 5,
        }).Build())
        {
            for (var i = 0; i < Count; i++)
            {
                producer.Produce(topic, new Message<string, string>
                {
                    Key = $"key-{i % 16}",
                    Value = $"value-{i}",
                    Headers = [new Header("n", Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))],
                });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var partitions = fixture.Server.Log.GetOrCreateTopic(topic).Partitions.Count;
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = fixture.Bootstrap,
            GroupId = "unused",
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var received = new List<ConsumeResult<string, string>>();
        var until = DateTime.UtcNow.AddSeconds(30);
        while (received.Count < Count && DateTime.UtcNow < until)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                received.Add(result);
            }
        }

        Assert.Equal(Count, received.Count);
        Assert.Equal(Enumerable.Range(0, Count), received.Select(r => int.Parse(r.Message.Value["value-".Length..], System.Globalization.CultureInfo.InvariantCulture)).Order());
        Assert.All(received, r => Assert.Equal(r.Message.Value["value-".Length..], Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes("n"))));
        foreach (var key in received.GroupBy(r => r.Message.Key))
        {
            Assert.Single(key.Select(r => r.Partition.Value).Distinct());
            var values = key.Select(r => int.Parse(r.Message.Value["value-".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(values.Order(), values);
        }
    }

    [Fact]
    public async Task Consumer_AssignedPastTheEnd_ResetsToTheEarliestAsConfigured()
    {
        var topic = ServerFixture.Unique("reset");
        var log = fixture.Server.Log.GetOrCreateTopic(topic);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = fixture.Bootstrap }).Build())
        {
            await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<Null, string> { Value = "only" }, TestContext.Current.CancellationToken);
        }

        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = fixture.Bootstrap,
            GroupId = "unused",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, 1_000));
        var result = consumer.Consume(TimeSpan.FromSeconds(15));

        Assert.NotNull(result);
        Assert.Equal("only", result.Message.Value);
        Assert.Equal(0, result.Offset.Value);
        Assert.Equal(1, log.Partitions[0].EndOffset);
    }

    [Fact]
    public void TransactionalProducer_InitTransactions_FailsAtOnce_ForHeraldServeHasNoTransactionCoordinator()
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = fixture.Bootstrap,
            TransactionalId = ServerFixture.Unique("transactional"),
        }).Build();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var refused = Assert.ThrowsAny<KafkaException>(() => producer.InitTransactions(TimeSpan.FromSeconds(20)));

        Assert.Equal(ErrorCode.TransactionalIdAuthorizationFailed, refused.Error.Code);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"InitTransactions took {clock.Elapsed.TotalSeconds:0.0} s to fail");
    }
}
