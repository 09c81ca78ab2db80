using System.Diagnostics;
using System.Net.Sockets;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Herald.Server.Protocol;
using ErrorCode = Herald.Server.Protocol.ErrorCode;
using KafkaErrorCode = Confluent.Kafka.ErrorCode;

namespace Herald.Server.Tests.Broker;

/// <summary>DeleteGroups: Confluent.Kafka's AdminClient judges the answers (and must stay usable after each); the old
/// versions and an invalid group id are checked on the wire.</summary>
public sealed class DeleteGroupsTests(ServerFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AdminClient_EmptyGroupWithOffsets_IsGone_AndANewConsumerStartsFromAutoOffsetReset()
    {
        var (topic, group) = (ServerFixture.Unique("deleted"), ServerFixture.Unique("deleted"));
        await ProduceAsync(topic, "a", "b", "c");
        using (var consumer = Consumer(group))
        {
            consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
            Assert.Equal(3, ConsumeValues(consumer, 3).Count);
            consumer.Commit();
        }

        using var admin = Admin();
        Assert.Contains(group, await ListedAsync(admin));

        await admin.DeleteGroupsAsync([group]);

        Assert.DoesNotContain(group, await ListedAsync(admin));
        Assert.DoesNotContain(group, fixture.Server.Log.Groups.Names);
        Assert.Equal(-1, fixture.Server.Log.Groups.GetCommittedOffset(group, topic, 0));
        using var again = Consumer(group);
        Assert.Equal(Offset.Unset, again.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10)).Single().Offset);
        again.Assign(new TopicPartitionOffset(topic, 0, Offset.Stored));
        Assert.Equal(["a", "b", "c"], ConsumeValues(again, 3));
    }

    [Fact]
    public async Task AdminClient_UnknownGroup_GroupIdNotFound_AndTheClientServesOn()
    {
        var group = ServerFixture.Unique("never");
        using var admin = Admin();

        var refused = await Assert.ThrowsAsync<DeleteGroupsException>(() => admin.DeleteGroupsAsync([group]));

        Assert.Equal(KafkaErrorCode.GroupIdNotFound, Assert.Single(refused.Results).Error.Code);
        Assert.DoesNotContain(group, await ListedAsync(admin));
        Assert.DoesNotContain(group, fixture.Server.Log.Groups.Names);
    }

    [Fact]
    public async Task AdminClient_MixedBatch_AGroupWithAMemberIsRefusedAndKept_TheOthersAnsweredEach()
    {
        var (topic, active, idle, unknown) = (ServerFixture.Unique("mixed"), ServerFixture.Unique("active"), ServerFixture.Unique("idle"), ServerFixture.Unique("unknown"));
        await ProduceAsync(topic, "a", "b");
        using var member = Consumer(active);
        member.Subscribe(topic);
        Assert.Equal(["a", "b"], ConsumeValues(member, 2));
        member.Commit();
        using (var committing = Consumer(idle))
        {
            committing.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
            Assert.Single(ConsumeValues(committing, 1));
            committing.Commit();
        }

        using var admin = Admin();
        var refused = await Assert.ThrowsAsync<DeleteGroupsException>(() => admin.DeleteGroupsAsync([active, idle, unknown]));

        var results = refused.Results.ToDictionary(r => r.Group, r => r.Error.Code);
        Assert.Equal(KafkaErrorCode.NonEmptyGroup, results[active]);
        Assert.Equal(KafkaErrorCode.NoError, results[idle]);
        Assert.Equal(KafkaErrorCode.GroupIdNotFound, results[unknown]);
        var listed = await ListedAsync(admin);
        Assert.Contains(active, listed);
        Assert.DoesNotContain(idle, listed);
        var described = (await admin.DescribeConsumerGroupsAsync([active])).ConsumerGroupDescriptions.Single();
        Assert.Equal((ConsumerGroupState.Stable, 1), (described.State, described.Members.Count));
        Assert.Equal(2, fixture.Server.Log.Groups.GetCommittedOffsets(active).Values.Sum());

        // The member goes on: its next commit is accepted, and once it has left the group can be deleted.
        await ProduceAsync(topic, "c");
        Assert.Equal(["c"], ConsumeValues(member, 1));
        Assert.Equal(3, member.Commit().Single(c => c.Partition.Value == 0).Offset.Value);
        member.Close();
        await admin.DeleteGroupsAsync([active]);
        Assert.DoesNotContain(active, await ListedAsync(admin));
    }

    [Fact]
    public async Task AdminClient_AGroupWithAMemberOfTheEmbeddedLogApi_IsRefusedUntilItLeaves()
    {
        var (topic, group) = (ServerFixture.Unique("embedded"), ServerFixture.Unique("embedded"));
        fixture.Server.Log.GetOrCreateTopic(topic);
        fixture.Server.Log.Groups.CommitOffsets(group, new Dictionary<(string, int), long> { [(topic, 0)] = 1 });
        using var admin = Admin();
        using (var member = fixture.Server.Log.Groups.Join(topic, group))
        {
            var refused = await Assert.ThrowsAsync<DeleteGroupsException>(() => admin.DeleteGroupsAsync([group]));

            Assert.Equal(KafkaErrorCode.NonEmptyGroup, Assert.Single(refused.Results).Error.Code);
            Assert.Equal(1, fixture.Server.Log.Groups.GetCommittedOffset(group, topic, 0));
            Assert.Contains(group, await ListedAsync(admin));
        }

        await admin.DeleteGroupsAsync([group]);

        Assert.DoesNotContain(group, await ListedAsync(admin));
        Assert.Equal(-1, fixture.Server.Log.Groups.GetCommittedOffset(group, topic, 0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task EveryVersion_AnswersEachGroupOnce_AnInvalidIdInvalidGroupId(short version)
    {
        var (topic, group, unknown) = (ServerFixture.Unique("raw"), ServerFixture.Unique("raw"), ServerFixture.Unique("raw-unknown"));
        fixture.Server.Log.GetOrCreateTopic(topic);
        fixture.Server.Log.Groups.CommitOffsets(group, new Dictionary<(string, int), long> { [(topic, 0)] = 4 });
        using var connection = await ConnectAsync();

        var answer = await SendAsync<DeleteGroupsResponse>(connection, ApiKey.DeleteGroups, version, new DeleteGroupsRequest { GroupsNames = [group, "", unknown, group] });

        Assert.Equal(
            [(group, (short)ErrorCode.None), ("", (short)ErrorCode.InvalidGroupId), (unknown, (short)ErrorCode.GroupIdNotFound)],
            answer.Results.Select(r => (r.GroupId, r.ErrorCode)));
        Assert.DoesNotContain(group, fixture.Server.Log.Groups.Names);
    }

    [Fact]
    public async Task ApiVersions_AdvertisesDeleteGroups0To2()
    {
        using var connection = await ConnectAsync();

        var answer = await SendAsync<ApiVersionsResponse>(connection, ApiKey.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "t", ClientSoftwareVersion = "1" });

        var deleteGroups = answer.ApiKeys.Single(k => k.ApiKey == (short)ApiKey.DeleteGroups);
        Assert.Equal((0, 2), (deleteGroups.MinVersion, deleteGroups.MaxVersion));
    }

    private IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.Bootstrap }).Build();

    private static async Task<HashSet<string>> ListedAsync(IAdminClient admin) =>
        [.. (await admin.ListConsumerGroupsAsync()).Valid.Select(g => g.GroupId)];

    private IConsumer<Ignore, string> Consumer(string group) =>
        new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = fixture.Bootstrap, GroupId = group, EnableAutoCommit = false, AutoOffsetReset = AutoOffsetReset.Earliest }).Build();

    private async Task ProduceAsync(string topic, params string[] values)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = fixture.Bootstrap }).Build();
        foreach (var value in values)
        {
            await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<Null, string> { Value = value }, Token);
        }
    }

    private static List<string> ConsumeValues(IConsumer<Ignore, string> consumer, int count)
    {
        var values = new List<string>();
        var waited = Stopwatch.StartNew();
        while (values.Count < count && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
            {
                values.Add(result.Message.Value);
            }
        }

        return values;
    }

    private Task<Socket> ConnectAsync() => RawRequests.ConnectAsync(fixture.Server.LocalEndPoint);

    private static Task<TResponse> SendAsync<TResponse>(Socket socket, ApiKey key, short version, IKafkaRequest request)
        where TResponse : IKafkaMessage<TResponse> => RawRequests.SendAsync<TResponse>(socket, key, version, request, "delete-groups-test");
}
