using System.Diagnostics;
using System.Net;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Herald.Server.Tests.Broker;

/// <summary>Confluent.Kafka consumer groups against herald serve's group coordinator.</summary>
public sealed class ConsumerGroupTests(ServerFixture fixture)
{
    [Fact]
    public async Task AssignedConsumer_CommitsWithoutJoiningTheGroup_AndReadsTheCommittedOffsetsBack()
    {
        var (topic, group) = (ServerFixture.Unique("assigned"), ServerFixture.Unique("assigned"));
        await ProduceAsync(fixture.Bootstrap, topic, [.. Enumerable.Range(0, 10).Select(i => (i % 2, $"key-{i}", i))]);
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = fixture.Bootstrap,
            GroupId = group,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.Beginning), new TopicPartitionOffset(topic, 1, Offset.Beginning)]);
        for (var read = 0; read < 7;)
        {
            read += consumer.Consume(TimeSpan.FromSeconds(10)) is null ? throw new TimeoutException("no record within 10 s") : 1;
        }

        // No member id and generation -1: the commit of a consumer that assigns itself its partitions.
        var committed = consumer.Commit();

        var partitions = new[] { new TopicPartition(topic, 0), new TopicPartition(topic, 1), new TopicPartition(topic, 2) };
        var fetched = consumer.Committed(partitions, TimeSpan.FromSeconds(10));
        Assert.Equal(7, committed.Sum(c => c.Offset.Value));
        foreach (var c in committed)
        {
            Assert.Equal(c.Offset.Value, fixture.Server.Log.Groups.GetCommittedOffset(group, topic, c.Partition.Value));
            Assert.Equal(c.Offset, fetched.Single(f => f.Partition == c.Partition).Offset);
        }

        Assert.Equal(Offset.Unset, fetched.Single(f => f.Partition.Value == 2).Offset);

        // No partitions named: every partition the group has committed (OffsetFetch with null topics).
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.Bootstrap }).Build();
        var all = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, null)])).Single();
        Assert.Equal(committed.Select(c => (c.Partition.Value, c.Offset.Value)).Order(), all.Partitions.Select(p => (p.Partition.Value, p.Offset.Value)).Order());
    }

    [Fact]
    public async Task AdminClient_ListsAndDescribesAStableGroupWithItsMembersAndAssignments()
    {
        var (topic, group) = (ServerFixture.Unique("described"), ServerFixture.Unique("described"));
        await ProduceAsync(fixture.Bootstrap, topic, [(0, "k", 0)]);
        var config = new ConsumerConfig { BootstrapServers = fixture.Bootstrap, GroupId = group, AutoOffsetReset = AutoOffsetReset.Earliest, ClientId = "described-client" };
        using var first = new ConsumerBuilder<string, string>(config).Build();
        using var second = new ConsumerBuilder<string, string>(config).Build();
        first.Subscribe(topic);
        second.Subscribe(topic);
        var until = Stopwatch.StartNew();
        while (first.Assignment.Count + second.Assignment.Count < 8 || first.Assignment.Count == 0 || second.Assignment.Count == 0)
        {
            Assert.True(until.Elapsed < TimeSpan.FromSeconds(30), "the two consumers were not assigned every partition within 30 s");
            first.Consume(TimeSpan.FromMilliseconds(100));
            second.Consume(TimeSpan.FromMilliseconds(100));
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.Bootstrap }).Build();
        var listed = await admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { MatchStates = [ConsumerGroupState.Stable] });
        var described = (await admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions.Single();

        Assert.Contains(listed.Valid, g => g.GroupId == group && g.State == ConsumerGroupState.Stable);
        Assert.Equal(ConsumerGroupState.Stable, described.State);
        Assert.Equal(2, described.Members.Count);
        Assert.All(described.Members, m => Assert.Equal("described-client", m.ClientId));
        Assert.Equal(Enumerable.Range(0, 8), described.Members.SelectMany(m => m.Assignment.TopicPartitions).Select(p => p.Partition.Value).Order());
        first.Close();
        second.Close();
    }

    [Fact]
    public async Task ThreeMembersInThreeProcesses_OneKilled_TheOthersTakeOverEveryRecordIsRead_AndCommitsSurviveARestart()
    {
        const int Partitions = 6, Keys = 12;
        var session = TimeSpan.FromSeconds(6);
        var directory = Path.Combine(Path.GetTempPath(), $"herald-serve-group-{Guid.NewGuid():N}");
        var (topic, group) = (ServerFixture.Unique("members"), ServerFixture.Unique("members"));
        var server = await StartAsync(directory, Partitions);
        try
        {
            server.Log.GetOrCreateTopic(topic);
            var members = Enumerable.Range(0, 3).Select(_ => GroupChildProcess.Start(server.AdvertisedAddress, topic, group, session)).ToList();
            try
            {
                await WaitUntilAsync(() => members.All(m => m.Owned.Length > 0) && Covers(members, Partitions), TimeSpan.FromSeconds(30), "the three members never shared the partitions", members);
                var producing = ProduceForAsync(server.AdvertisedAddress, topic, Keys, TimeSpan.FromSeconds(8));
                await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

                var (victim, survivors) = (members[0], members[1..]);
                var orphaned = victim.Owned;
                victim.Kill();
                var sinceKill = Stopwatch.StartNew();
                await WaitUntilAsync(() => Covers(survivors, Partitions), session + TimeSpan.FromSeconds(10), "the survivors never took over every partition", members);
                var takeover = sinceKill.Elapsed;
                var takenOver = survivors.SelectMany(s => s.Owned).ToHashSet();
                TestContext.Current.TestOutputHelper?.WriteLine($"The survivors owned every partition {takeover.TotalSeconds:0.0} s after the kill.");
                var sent = await producing;
                await WaitUntilAsync(() => sent.IsSubsetOf(members.SelectMany(m => m.Records).Select(r => (r.Key, r.Sequence))), TimeSpan.FromSeconds(30), "records were not read", members);
                foreach (var survivor in survivors)
                {
                    await survivor.StopAsync();
                }

                // The dead member's session ran out (6 s after its last heartbeat), then a heartbeat interval and a
                // rebalance: well within session timeout plus margin.
                Assert.True(takeover < session + TimeSpan.FromSeconds(6), $"the survivors took {takeover.TotalSeconds:0.0} s to take over");
                Assert.Subset(takenOver, orphaned.ToHashSet());
                Assert.Contains(survivors.SelectMany(s => s.Records), r => orphaned.Contains(r.Partition));
                AssertOrderedWithinEachAssignment(members);
                var committed = Enumerable.Range(0, Partitions).ToDictionary(p => p, p => server.Log.Groups.GetCommittedOffset(group, topic, p));
                var log = server.Log.GetOrCreateTopic(topic);
                Assert.All(log.Partitions.Where(p => p.EndOffset > 0), p => Assert.Equal(p.EndOffset, committed[p.Id]));

                await server.DisposeAsync();
                server = await StartAsync(directory, Partitions);
                using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = server.AdvertisedAddress, GroupId = group }).Build();
                var fetched = reader.Committed([.. Enumerable.Range(0, Partitions).Select(p => new TopicPartition(topic, p))], TimeSpan.FromSeconds(10));
                Assert.Equal(committed.Select(c => c.Value), fetched.OrderBy(f => f.Partition.Value).Select(f => f.Offset == Offset.Unset ? -1 : f.Offset.Value));
            }
            finally
            {
                members.ForEach(m => m.Dispose());
            }
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Stop_WhileAJoinGroupWaitsForTheRebalance_EndsPromptly()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"herald-serve-group-{Guid.NewGuid():N}");
        var server = await StartAsync(directory, 1, initialRebalanceDelay: TimeSpan.FromMinutes(5));
        try
        {
            var (topic, group) = (ServerFixture.Unique("stopping"), ServerFixture.Unique("stopping"));
            server.Log.GetOrCreateTopic(topic);
            using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = server.AdvertisedAddress, GroupId = group }).Build();
            consumer.Subscribe(topic);
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = server.AdvertisedAddress }).Build();
            var waited = Stopwatch.StartNew();
            while ((await admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions[0].State != ConsumerGroupState.PreparingRebalance)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), "the consumer's JoinGroup never arrived");
                consumer.Consume(TimeSpan.FromMilliseconds(100));
            }

            var stopping = Stopwatch.StartNew();
            await server.StopAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopping.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<HeraldServer> StartAsync(string directory, int partitions, TimeSpan? initialRebalanceDelay = null)
    {
        var options = new HeraldServerOptions { DataDirectory = directory, Listen = new IPEndPoint(IPAddress.Loopback, 0) };
        options.GroupInitialRebalanceDelay = initialRebalanceDelay ?? options.GroupInitialRebalanceDelay;
        options.Log.DefaultTopic.Partitions = partitions;
        var server = new HeraldServer(options);
        await server.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    private static bool Covers(IEnumerable<GroupChildProcess> members, int partitions)
    {
        var owned = members.SelectMany(m => m.Owned).ToList();
        return owned.Count == partitions && owned.Distinct().Count() == partitions;
    }

    /// <summary>Within one assignment a member reads each partition at consecutive offsets, so each key's sequence
    /// numbers consecutively too; only a new assignment may go back (to the committed offset).</summary>
    private static void AssertOrderedWithinEachAssignment(List<GroupChildProcess> members)
    {
        foreach (var segment in members.SelectMany(m => m.Segments))
        {
            foreach (var partition in segment.GroupBy(r => r.Partition))
            {
                var offsets = partition.Select(r => r.Offset).ToList();
                Assert.Equal(Enumerable.Range(0, offsets.Count).Select(i => offsets[0] + i), offsets);
            }

            foreach (var key in segment.GroupBy(r => r.Key))
            {
                var sequences = key.Select(r => r.Sequence).ToList();
                Assert.Equal(Enumerable.Range(sequences[0], sequences.Count), sequences);
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string failure, List<GroupChildProcess> members)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < timeout, $"{failure} within {timeout.TotalSeconds:0} s; members' errors: {string.Join(" | ", members.Select(m => m.Errors))}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private static async Task ProduceAsync(string bootstrap, string topic, (int Partition, string Key, int Value)[] records)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
        foreach (var (partition, key, value) in records)
        {
            await producer.ProduceAsync(new TopicPartition(topic, partition), new Message<string, string> { Key = key, Value = $"{value}" }, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Produces keyed records, each key's numbered from 0, at a steady pace for <paramref name="duration"/>.</summary>
    private static async Task<HashSet<(string Key, int Sequence)>> ProduceForAsync(string bootstrap, string topic, int keys, TimeSpan duration)
    {
        await Task.Yield();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, EnableIdempotence = true, LingerMs = 5 }).Build();
        var sent = new HashSet<(string, int)>();
        var clock = Stopwatch.StartNew();
        for (var sequence = 0; clock.Elapsed < duration; sequence++)
        {
            for (var k = 0; k < keys; k++)
            {
                var key = $"key-{k:00}";
                producer.Produce(topic, new Message<string, string> { Key = key, Value = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                sent.Add((key, sequence));
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        return sent;
    }
}
