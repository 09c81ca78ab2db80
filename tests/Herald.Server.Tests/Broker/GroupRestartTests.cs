using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Confluent.Kafka;
using Herald.Log;
using Herald.Server.Internal.Groups;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Tests.Broker;

/// <summary>Confluent.Kafka consumer groups across a graceful restart of herald serve on the same data directory and
/// port: the groups come back stable, as a Kafka coordinator reloads them from <c>__consumer_offsets</c>.</summary>
public sealed class GroupRestartTests : IAsyncDisposable
{
    private const int Partitions = 4;
    private static readonly TimeSpan Session = TimeSpan.FromSeconds(3);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"herald-serve-group-restart-{Guid.NewGuid():N}");
    private readonly (string Topic, string Group) _names = (ServerFixture.Unique("restart"), ServerFixture.Unique("restart"));
    private HeraldServer? _server;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task GracefulRestart_AConsumerKeepsItsAssignmentWithoutARebalance_AndCommitsAfterIt()
    {
        var server = await StartAsync();
        var events = new ConcurrentQueue<string>();
        using var consumer = Consumer(server.AdvertisedAddress, events, "range");
        consumer.Subscribe(_names.Topic);
        await ProduceAsync(server.AdvertisedAddress, 8);
        ConsumeUntil(consumer, 8);
        consumer.Commit();

        var restarted = new CapturingLogger();
        server = await RestartAsync(restarted);
        await ProduceAsync(server.AdvertisedAddress, 8);
        ConsumeUntil(consumer, 8);
        var committed = consumer.Commit();

        // Heartbeats go on (every 300 ms) to the new server for a few intervals; none is refused.
        var watched = Stopwatch.StartNew();
        while (watched.Elapsed < TimeSpan.FromSeconds(2))
        {
            Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(100)));
        }

        Assert.Equal([$"assigned {Partitions}"], events);
        Assert.Equal(16, committed.Sum(c => c.Offset.Value));
        Assert.All(committed, c => Assert.Equal(c.Offset.Value, server.Log.Groups.GetCommittedOffset(_names.Group, _names.Topic, c.Partition.Value)));
        Assert.Contains(restarted.Messages, m => m.Text.StartsWith("Loaded 1 consumer groups", StringComparison.Ordinal));
        Assert.DoesNotContain(restarted.Messages, m => m.Text.Contains(_names.Group, StringComparison.Ordinal));
    }

    [Fact]
    public async Task GracefulRestart_AMemberThatDoesNotComeBack_ExpiresAfterItsSession_AndTheOtherTakesItsPartitions()
    {
        var server = await StartAsync();
        var (staying, going) = (new ConcurrentQueue<string>(), new ConcurrentQueue<string>());
        using var stays = Consumer(server.AdvertisedAddress, staying, "cooperative-sticky");
        var goes = Consumer(server.AdvertisedAddress, going, "cooperative-sticky");
        stays.Subscribe(_names.Topic);
        goes.Subscribe(_names.Topic);
        PollUntil(() => stays.Assignment.Count == Partitions / 2 && goes.Assignment.Count == Partitions / 2, "the two consumers never shared the partitions", stays, goes);
        var kept = stays.Assignment.ToList();
        // Before the restart the staying consumer may have held every partition and given two up to the other: only
        // what happens from the restart on is checked.
        var beforeRestart = staying.Count;

        var port = server.LocalEndPoint.Port;
        await server.DisposeAsync();

        // Gone while the server is down: whatever its client sends on the way out reaches nobody.
        goes.Dispose();
        server = await StartAsync(new CapturingLogger(), port);
        var sinceRestart = Stopwatch.StartNew();
        PollUntil(() => stays.Assignment.Count == Partitions, "the staying consumer never got every partition", stays);

        Assert.True(sinceRestart.Elapsed >= Session - TimeSpan.FromSeconds(1), $"the partitions moved {sinceRestart.Elapsed.TotalSeconds:0.0} s after the restart, before the session could end");
        Assert.Subset(stays.Assignment.ToHashSet(), kept.ToHashSet());
        Assert.DoesNotContain(staying.Skip(beforeRestart), e => e.StartsWith("lost", StringComparison.Ordinal) || (e.StartsWith("revoked", StringComparison.Ordinal) && e != "revoked 0"));
        Assert.Equal(ErrorCode.NoError, Commit(stays));
    }

    [Fact]
    public async Task Start_AGroupRecordIsUnreadable_TheServerStarts_TheGroupIsEmpty_AndAWarningNamesIt()
    {
        var server = await StartAsync();
        var events = new ConcurrentQueue<string>();
        using (var consumer = Consumer(server.AdvertisedAddress, events, "range"))
        {
            consumer.Subscribe(_names.Topic);
            PollUntil(() => consumer.Assignment.Count == Partitions, "the consumer was never assigned", consumer);
            await server.DisposeAsync();
            _server = null;
        }

        await using (var log = EmbeddedLog.Open(_directory, new EmbeddedLogOptions()))
        {
            using var groups = StateTopic.Open(log, GroupStore.TopicName, TimeProvider.System);
            Assert.True(groups.TryGet(_names.Group, out var record));
            await groups.SetAsync(_names.Group, record[..^3], TestContext.Current.CancellationToken);
        }

        var logger = new CapturingLogger();
        server = await StartAsync(logger);

        var warning = Assert.Single(logger.Messages, m => m.Level == LogLevel.Warning);
        Assert.StartsWith($"Group {_names.Group} was not loaded", warning.Text, StringComparison.Ordinal);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = server.AdvertisedAddress }).Build();
        var described = (await admin.DescribeConsumerGroupsAsync([_names.Group])).ConsumerGroupDescriptions.Single();
        Assert.Empty(described.Members);
        Assert.NotEqual(ConsumerGroupState.Stable, described.State);
    }

    private async Task<HeraldServer> StartAsync(ILoggerFactory? loggerFactory = null, int port = 0)
    {
        var options = new HeraldServerOptions
        {
            DataDirectory = _directory,
            Listen = new IPEndPoint(IPAddress.Loopback, port),
            GroupInitialRebalanceDelay = TimeSpan.Zero,
            GroupMinSessionTimeout = TimeSpan.FromSeconds(1),
        };
        options.Log.DefaultTopic.Partitions = Partitions;
        _server = new HeraldServer(options, loggerFactory);
        await _server.StartAsync(TestContext.Current.CancellationToken);
        _server.Log.GetOrCreateTopic(_names.Topic);
        return _server;
    }

    private async Task<HeraldServer> RestartAsync(ILoggerFactory loggerFactory)
    {
        var port = _server!.LocalEndPoint.Port;
        await _server.DisposeAsync();
        return await StartAsync(loggerFactory, port);
    }

    private IConsumer<Ignore, string> Consumer(string bootstrap, ConcurrentQueue<string> events, string assignor) =>
        new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = _names.Group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = (int)Session.TotalMilliseconds,
            HeartbeatIntervalMs = 300,
            PartitionAssignmentStrategy = assignor == "range" ? PartitionAssignmentStrategy.Range : PartitionAssignmentStrategy.CooperativeSticky,
        })
        .SetPartitionsAssignedHandler((_, assigned) => events.Enqueue($"assigned {assigned.Count}"))
        .SetPartitionsRevokedHandler((_, revoked) => events.Enqueue($"revoked {revoked.Count}"))
        .SetPartitionsLostHandler((_, lost) => events.Enqueue($"lost {lost.Count}"))
        .Build();

    private async Task ProduceAsync(string bootstrap, int count)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
        for (var i = 0; i < count; i++)
        {
            await producer.ProduceAsync(new TopicPartition(_names.Topic, i % Partitions), new Message<Null, string> { Value = $"{i}" }, TestContext.Current.CancellationToken);
        }
    }

    private static void ConsumeUntil(IConsumer<Ignore, string> consumer, int count)
    {
        for (var read = 0; read < count;)
        {
            read += consumer.Consume(TimeSpan.FromSeconds(15)) is null ? throw new TimeoutException($"{read} of {count} records within 15 s") : 1;
        }
    }

    private static void PollUntil(Func<bool> condition, string failure, params IConsumer<Ignore, string>[] consumers)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"{failure} within 30 s");
            foreach (var consumer in consumers)
            {
                consumer.Consume(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    private static ErrorCode Commit(IConsumer<Ignore, string> consumer)
    {
        try
        {
            consumer.Commit([.. consumer.Assignment.Select(p => new TopicPartitionOffset(p, 0))]);
            return ErrorCode.NoError;
        }
        catch (KafkaException e)
        {
            return e.Error.Code;
        }
    }
}
