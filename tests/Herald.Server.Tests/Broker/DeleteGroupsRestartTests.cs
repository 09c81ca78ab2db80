using System.Diagnostics;
using System.Net;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Herald.Log;
using Herald.Server.Internal.Groups;

namespace Herald.Server.Tests.Broker;

/// <summary>DeleteGroups across restarts of herald serve: a group loaded from its stored record counts its members until
/// their sessions end, and a deletion leaves neither committed offsets nor a record for the next start to load.</summary>
public sealed class DeleteGroupsRestartTests : IAsyncDisposable
{
    private static readonly TimeSpan Session = TimeSpan.FromSeconds(2);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"herald-serve-delete-groups-{Guid.NewGuid():N}");
    private readonly (string Topic, string Group) _names = (ServerFixture.Unique("delete-restart"), ServerFixture.Unique("delete-restart"));
    private HeraldServer? _server;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task LoadedGroup_RefusedUntilItsMemberExpires_ThenDeleted_AndARestartLoadsNeitherItsRecordNorItsOffsets()
    {
        var server = await StartAsync();
        await ProduceAsync(server.AdvertisedAddress, "a", "b", "c");
        var consumer = Consumer(server.AdvertisedAddress);
        consumer.Subscribe(_names.Topic);
        Assert.Equal(3, Consume(consumer, 3).Count);
        consumer.Commit();

        // Stopped under the member, which then goes where no server hears its LeaveGroup: its record stays stored.
        await StopAsync();
        consumer.Dispose();
        Assert.True(await HasRecordAsync());

        server = await StartAsync();
        using (var admin = Admin(server))
        {
            var refused = await Assert.ThrowsAsync<DeleteGroupsException>(() => admin.DeleteGroupsAsync([_names.Group]));
            Assert.Equal(ErrorCode.NonEmptyGroup, Assert.Single(refused.Results).Error.Code);

            var waited = Stopwatch.StartNew();
            while ((await admin.DescribeConsumerGroupsAsync([_names.Group])).ConsumerGroupDescriptions.Single().State != ConsumerGroupState.Empty)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the loaded member never expired");
                await Task.Delay(100, Token);
            }

            await admin.DeleteGroupsAsync([_names.Group]);
            Assert.DoesNotContain((await admin.ListConsumerGroupsAsync()).Valid, g => g.GroupId == _names.Group);
        }

        await StopAsync();
        Assert.False(await HasRecordAsync());

        server = await StartAsync();
        using (var admin = Admin(server))
        {
            Assert.DoesNotContain((await admin.ListConsumerGroupsAsync()).Valid, g => g.GroupId == _names.Group);
        }

        Assert.DoesNotContain(_names.Group, server.Log.Groups.Names);
        using var again = Consumer(server.AdvertisedAddress);
        again.Assign(new TopicPartitionOffset(_names.Topic, 0, Offset.Stored));
        Assert.Equal(["a", "b", "c"], Consume(again, 3));
    }

    private async Task<HeraldServer> StartAsync()
    {
        var options = new HeraldServerOptions
        {
            DataDirectory = _directory,
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            GroupInitialRebalanceDelay = TimeSpan.Zero,
            GroupMinSessionTimeout = TimeSpan.FromSeconds(1),
        };
        options.Log.DefaultTopic.Partitions = 1;
        _server = new HeraldServer(options);
        await _server.StartAsync(Token);
        return _server;
    }

    private async Task StopAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    private async Task<bool> HasRecordAsync()
    {
        await using var log = EmbeddedLog.Open(_directory, new EmbeddedLogOptions());
        using var groups = StateTopic.Open(log, GroupStore.TopicName, TimeProvider.System);
        return groups.TryGet(_names.Group, out _);
    }

    private static IAdminClient Admin(HeraldServer server) => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = server.AdvertisedAddress }).Build();

    private IConsumer<Ignore, string> Consumer(string bootstrap) =>
        new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = _names.Group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = (int)Session.TotalMilliseconds,
            HeartbeatIntervalMs = 300,
        }).Build();

    private async Task ProduceAsync(string bootstrap, params string[] values)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
        foreach (var value in values)
        {
            await producer.ProduceAsync(new TopicPartition(_names.Topic, 0), new Message<Null, string> { Value = value }, Token);
        }
    }

    private static List<string> Consume(IConsumer<Ignore, string> consumer, int count)
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
}
