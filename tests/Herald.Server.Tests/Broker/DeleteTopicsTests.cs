using System.Net.Sockets;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Herald.Log.Storage;
using Herald.Server.Protocol;
using ErrorCode = Herald.Server.Protocol.ErrorCode;
using KafkaErrorCode = Confluent.Kafka.ErrorCode;

namespace Herald.Server.Tests.Broker;

/// <summary>DeleteTopics: Confluent.Kafka's AdminClient judges the answers; the protocol-level cases (timeouts, topic
/// ids, old versions, a fetch waiting while its topic goes) are checked on the wire.</summary>
public sealed class DeleteTopicsTests(ServerFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AdminClient_ExistingTopic_IsDeletedWithItsFilesAndMetadataNoLongerListsIt()
    {
        var topic = ServerFixture.Unique("delete");
        await ProduceAsync(topic, "a", "b", "c");
        using var admin = Admin();

        await admin.DeleteTopicsAsync([topic]);

        Assert.False(fixture.Server.Log.TryGetTopic(topic, out _));
        Assert.Empty(Directory.GetDirectories(fixture.Server.Log.Directory, topic + "-*"));
        Assert.DoesNotContain(admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics, t => t.Topic == topic);
    }

    [Fact]
    public async Task AdminClient_MissingTopic_UnknownTopicOrPartition()
    {
        var topic = ServerFixture.Unique("missing");
        using var admin = Admin();

        var refused = await Assert.ThrowsAsync<DeleteTopicsException>(() => admin.DeleteTopicsAsync([topic]));

        Assert.Equal(KafkaErrorCode.UnknownTopicOrPart, Assert.Single(refused.Results).Error.Code);
    }

    [Fact]
    public async Task AdminClient_HeraldInternalTopic_IsRefusedAndKept()
    {
        var topic = "__herald." + ServerFixture.Unique("state");
        fixture.Server.Log.GetOrCreateTopic(topic);
        var other = ServerFixture.Unique("beside-internal");
        await ProduceAsync(other, "x");
        using var admin = Admin();

        var refused = await Assert.ThrowsAsync<DeleteTopicsException>(() => admin.DeleteTopicsAsync([topic, other]));

        var results = refused.Results.ToDictionary(r => r.Topic, r => r.Error.Code);
        Assert.Equal(KafkaErrorCode.TopicDeletionDisabled, results[topic]);
        Assert.Equal(KafkaErrorCode.NoError, results[other]);
        Assert.True(fixture.Server.Log.TryGetTopic(topic, out _));
        Assert.False(fixture.Server.Log.TryGetTopic(other, out _));
    }

    [Fact]
    public async Task DeletedAndCreatedAgain_ReadsFromOffsetZeroWithoutOldRecordsOrCommittedOffsets()
    {
        var topic = ServerFixture.Unique("recreate");
        var group = ServerFixture.Unique("recreate-group");
        using var admin = Admin();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 2, ReplicationFactor = 1 }]);
        await ProduceAsync(topic, "old-1", "old-2", "old-3", "old-4");
        using (var consumer = Consumer(group))
        {
            consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.Beginning), new TopicPartitionOffset(topic, 1, Offset.Beginning)]);
            Assert.Equal(["old-1", "old-2", "old-3", "old-4"], ConsumeValues(consumer, 4).Order(StringComparer.Ordinal));
            consumer.Commit();
            Assert.Equal(4, consumer.Committed(TimeSpan.FromSeconds(10)).Sum(c => c.Offset.Value));
        }

        await admin.DeleteTopicsAsync([topic]);
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 2, ReplicationFactor = 1 }]);
        await ProduceAsync(topic, "new-1", "new-2");

        using var again = Consumer(group);
        var partitions = new[] { new TopicPartition(topic, 0), new TopicPartition(topic, 1) };
        Assert.All(again.Committed(partitions, TimeSpan.FromSeconds(10)), c => Assert.Equal(Offset.Unset, c.Offset));
        again.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Stored)));
        var records = ConsumeResults(again, 2);
        Assert.Equal([("new-1", 0, 0L), ("new-2", 1, 0L)], records.Select(r => (r.Message.Value, r.Partition.Value, r.Offset.Value)).Order());
    }

    [Fact]
    public async Task CreatedWithAPartitionCount_DeletedAndAutoCreatedAgain_TakesTheDefaultCount()
    {
        var topic = ServerFixture.Unique("count");
        using var admin = Admin();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 3, ReplicationFactor = 1 }]);

        await admin.DeleteTopicsAsync([topic]);
        await ProduceAsync(topic, "auto-created");

        Assert.True(fixture.Server.Log.TryGetTopic(topic, out var again));
        Assert.Equal(fixture.Server.Log.Options.DefaultTopic.Partitions, again.Partitions.Count);
    }

    [Fact]
    public async Task FetchWaitingWhileItsTopicIsDeleted_AnsweredUnknownTopicOrPartition_AndTheConnectionServesOn()
    {
        var topic = ServerFixture.Unique("fetching");
        var other = ServerFixture.Unique("still-served");
        var partition = fixture.Server.Log.GetOrCreateTopic(topic).Partitions[0];
        await partition.AppendAsync(new LogRecord(0, null, Encoding.UTF8.GetBytes("before")), Token);
        await fixture.Server.Log.GetOrCreateTopic(other).Partitions[0].AppendAsync(new LogRecord(0, null, Encoding.UTF8.GetBytes("other")), Token);
        using var connection = await ConnectAsync();

        // A long poll past the end: the server waits on the partition's signal when the deletion comes.
        var waiting = SendAsync<FetchResponse>(connection, ApiKey.Fetch, 11, Fetch(topic, offset: 1, maxWaitMs: 20_000));
        await Task.Delay(200, Token);
        using var admin = Admin();
        var deletion = admin.DeleteTopicsAsync([topic]);
        var answer = (await waiting.WaitAsync(TimeSpan.FromSeconds(10), Token)).Responses.Single().Partitions.Single();
        await deletion;

        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, answer.ErrorCode);
        Assert.True(answer.Records is not { Length: > 0 });
        var after = (await SendAsync<FetchResponse>(connection, ApiKey.Fetch, 11, Fetch(other, offset: 0, maxWaitMs: 0))).Responses.Single().Partitions.Single();
        Assert.Equal((0, 1L), (after.ErrorCode, after.HighWatermark));
        var gone = (await SendAsync<FetchResponse>(connection, ApiKey.Fetch, 11, Fetch(topic, offset: 0, maxWaitMs: 0))).Responses.Single().Partitions.Single();
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, gone.ErrorCode);
    }

    [Fact]
    public async Task ConsumerOfADeletedTopic_GetsAnError_WhileAnotherConsumerReadsOn()
    {
        var topic = ServerFixture.Unique("consumed");
        var other = ServerFixture.Unique("consumed-other");
        await ProduceAsync(topic, "1");
        await ProduceAsync(other, "1");
        var errors = new List<Error>();
        // librdkafka takes a topic missing from metadata for a propagation delay (30 s by default) before it reports it.
        var config = new ConsumerConfig { BootstrapServers = fixture.Bootstrap, GroupId = "unused", EnableAutoCommit = false, TopicMetadataRefreshIntervalMs = 200 };
        config.Set("topic.metadata.propagation.max.ms", "500");
        using var doomed = new ConsumerBuilder<Ignore, string>(config)
            .SetErrorHandler((_, error) => { lock (errors) { errors.Add(error); } })
            .Build();
        doomed.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        Assert.Equal(["1"], ConsumeValues(doomed, 1));
        using var steady = Consumer(ServerFixture.Unique("steady"));
        steady.Assign(new TopicPartitionOffset(other, 0, Offset.Beginning));
        Assert.Equal(["1"], ConsumeValues(steady, 1));
        using var admin = Admin();

        await admin.DeleteTopicsAsync([topic]);

        Error? seen = null;
        var until = DateTime.UtcNow.AddSeconds(30);
        while (seen is null && DateTime.UtcNow < until)
        {
            try
            {
                doomed.Consume(TimeSpan.FromMilliseconds(100));
            }
            catch (ConsumeException e)
            {
                seen = e.Error;
            }

            lock (errors)
            {
                seen ??= errors.FirstOrDefault();
            }
        }

        Assert.NotNull(seen);
        Assert.Contains(seen.Code, new[] { KafkaErrorCode.UnknownTopicOrPart, KafkaErrorCode.Local_UnknownTopic, KafkaErrorCode.Local_UnknownPartition });
        await ProduceAsync(other, "2");
        Assert.Equal(["2"], ConsumeValues(steady, 1));
    }

    [Fact]
    public async Task ProduceToADeletedTopic_UnknownTopicOrPartition()
    {
        var topic = ServerFixture.Unique("produce-gone");
        fixture.Server.Log.GetOrCreateTopic(topic);
        await fixture.Server.Log.DeleteTopicAsync(topic, Token);
        using var connection = await ConnectAsync();

        var answer = await SendAsync<ProduceResponse>(connection, ApiKey.Produce, 9, new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 1000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = new byte[70] }] }],
        });

        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, answer.Responses.Single().PartitionResponses.Single().ErrorCode);
    }

    [Fact]
    public async Task TimeoutOfZero_AnsweredRequestTimedOut_AsKafkaDoes_WithTheTopicGone()
    {
        var topic = ServerFixture.Unique("no-wait");
        fixture.Server.Log.GetOrCreateTopic(topic);
        using var connection = await ConnectAsync();

        var answer = await SendAsync<DeleteTopicsResponse>(connection, ApiKey.DeleteTopics, 4, new DeleteTopicsRequest { TopicNames = [topic], TimeoutMs = 0 });

        Assert.Equal((short)ErrorCode.RequestTimedOut, answer.Responses.Single().ErrorCode);
        Assert.False(fixture.Server.Log.TryGetTopic(topic, out _));
    }

    [Theory]
    [InlineData(0, (short)ErrorCode.InvalidRequest)]
    [InlineData(2, (short)ErrorCode.InvalidRequest)]
    [InlineData(3, (short)ErrorCode.TopicDeletionDisabled)]
    [InlineData(6, (short)ErrorCode.TopicDeletionDisabled)]
    public async Task InternalTopic_RefusedAsKafkaRefusesADeletion_InEveryVersion(short version, short expected)
    {
        var topic = "__herald." + ServerFixture.Unique("internal");
        fixture.Server.Log.GetOrCreateTopic(topic);
        using var connection = await ConnectAsync();

        var request = version >= 6
            ? new DeleteTopicsRequest { Topics = [new DeleteTopicsRequest.DeleteTopicState { Name = topic }], TimeoutMs = 5000 }
            : new DeleteTopicsRequest { TopicNames = [topic], TimeoutMs = 5000 };
        var answer = await SendAsync<DeleteTopicsResponse>(connection, ApiKey.DeleteTopics, version, request);

        Assert.Equal((topic, expected), (answer.Responses.Single().Name, answer.Responses.Single().ErrorCode));
        Assert.True(fixture.Server.Log.TryGetTopic(topic, out _));
    }

    [Fact]
    public async Task Version6_TopicIdsDuplicatesAndNames_AnsweredPerTopic()
    {
        var topic = ServerFixture.Unique("by-name");
        var twice = ServerFixture.Unique("twice");
        fixture.Server.Log.GetOrCreateTopic(topic);
        fixture.Server.Log.GetOrCreateTopic(twice);
        var id = Guid.NewGuid();
        using var connection = await ConnectAsync();

        var answer = await SendAsync<DeleteTopicsResponse>(connection, ApiKey.DeleteTopics, 6, new DeleteTopicsRequest
        {
            Topics =
            [
                new DeleteTopicsRequest.DeleteTopicState { Name = topic },
                new DeleteTopicsRequest.DeleteTopicState { TopicId = id },
                new DeleteTopicsRequest.DeleteTopicState { Name = twice },
                new DeleteTopicsRequest.DeleteTopicState { Name = twice },
                new DeleteTopicsRequest.DeleteTopicState(),
            ],
            TimeoutMs = 5000,
        });

        Assert.Equal(
            [(topic, Guid.Empty, (short)ErrorCode.None), (null, id, (short)ErrorCode.UnsupportedVersion), (twice, Guid.Empty, (short)ErrorCode.InvalidRequest), (null, Guid.Empty, (short)ErrorCode.InvalidRequest)],
            answer.Responses.Select(r => (r.Name, r.TopicId, r.ErrorCode)));
        Assert.All(answer.Responses.Where(r => r.ErrorCode != 0), r => Assert.False(string.IsNullOrEmpty(r.ErrorMessage)));
        Assert.False(fixture.Server.Log.TryGetTopic(topic, out _));
        Assert.True(fixture.Server.Log.TryGetTopic(twice, out _));
    }

    [Fact]
    public async Task ApiVersions_AdvertisesDeleteTopics0To6()
    {
        using var connection = await ConnectAsync();

        var answer = await SendAsync<ApiVersionsResponse>(connection, ApiKey.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "t", ClientSoftwareVersion = "1" });

        var deleteTopics = answer.ApiKeys.Single(k => k.ApiKey == (short)ApiKey.DeleteTopics);
        Assert.Equal((0, 6), (deleteTopics.MinVersion, deleteTopics.MaxVersion));
    }

    private IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.Bootstrap }).Build();

    private IConsumer<Ignore, string> Consumer(string group) =>
        new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = fixture.Bootstrap, GroupId = group, EnableAutoCommit = false, AutoOffsetReset = AutoOffsetReset.Earliest }).Build();

    // Produces the values in turn to partitions 0, 1, 0, 1... (all to 0 for a topic of one partition).
    private async Task ProduceAsync(string topic, params string[] values)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = fixture.Bootstrap }).Build();
        for (var i = 0; i < values.Length; i++)
        {
            var partitions = fixture.Server.Log.TryGetTopic(topic, out var existing) ? existing.Partitions.Count : 1;
            await producer.ProduceAsync(new TopicPartition(topic, i % Math.Min(2, partitions)), new Message<Null, string> { Value = values[i] }, Token);
        }
    }

    private static List<string> ConsumeValues(IConsumer<Ignore, string> consumer, int count) => [.. ConsumeResults(consumer, count).Select(r => r.Message.Value)];

    private static List<ConsumeResult<Ignore, string>> ConsumeResults(IConsumer<Ignore, string> consumer, int count)
    {
        var results = new List<ConsumeResult<Ignore, string>>();
        var until = DateTime.UtcNow.AddSeconds(30);
        while (results.Count < count && DateTime.UtcNow < until)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
            {
                results.Add(result);
            }
        }

        return results;
    }

    private static FetchRequest Fetch(string topic, long offset, int maxWaitMs) => new()
    {
        MaxWaitMs = maxWaitMs,
        MinBytes = 1,
        MaxBytes = 1 << 20,
        Topics = [new FetchRequest.FetchTopic { Topic = topic, Partitions = [new FetchRequest.FetchPartition { Partition = 0, FetchOffset = offset, PartitionMaxBytes = 1 << 20 }] }],
    };

    private Task<Socket> ConnectAsync() => RawRequests.ConnectAsync(fixture.Server.LocalEndPoint);

    private static Task<TResponse> SendAsync<TResponse>(Socket socket, ApiKey key, short version, IKafkaRequest request)
        where TResponse : IKafkaMessage<TResponse> => RawRequests.SendAsync<TResponse>(socket, key, version, request, "delete-test");
}
