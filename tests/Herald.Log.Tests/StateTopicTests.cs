using Herald.Log.Tests.Storage;

namespace Herald.Log.Tests;

public sealed class StateTopicTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-state-topic-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task TakeEntries_HandsTheValuesOverOnceAndKeepsOnlyKeysInMemory_WhileTheTopicKeepsThemAll()
    {
        var token = TestContext.Current.CancellationToken;
        using (var log = Open())
        using (var topic = StateTopic.Open(log, "__herald.state-test", TimeProvider.System))
        {
            await topic.SetAsync("a", [1, 2, 3], token);
            await topic.SetAsync("b", [4], token);

            var taken = topic.TakeEntries();
            Assert.Equal([("a", "010203"), ("b", "04")], taken.Select(e => (e.Key, Convert.ToHexString(e.Value))).OrderBy(e => e.Key, StringComparer.Ordinal));

            await topic.SetAsync("c", [5, 6], token);
            Assert.All(topic.Entries(), e => Assert.Empty(e.Value));
            Assert.Equal(["a", "b", "c"], topic.Entries().Select(e => e.Key).Order(StringComparer.Ordinal));
            Assert.True(await topic.SetAsync("a", null, token));
        }

        using var reopened = Open();
        using var replayed = StateTopic.Open(reopened, "__herald.state-test", TimeProvider.System);
        Assert.Equal([("b", "04"), ("c", "0506")], replayed.Entries().Select(e => (e.Key, Convert.ToHexString(e.Value))).OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task OpenExisting_MissingTopic_ReadsEmpty_AndIsCreatedOnlyWithItsFirstChange()
    {
        var token = TestContext.Current.CancellationToken;
        using var log = Open();
        log.Options.Topics["__herald.state-test"] = StateTopic.Options;
        using var topic = StateTopic.OpenExisting(log, "__herald.state-test", TimeProvider.System);

        Assert.Empty(topic.Entries());
        Assert.False(await topic.SetAsync("missing", null, token));
        Assert.False(log.TryGetTopic("__herald.state-test", out _));

        await topic.SetAsync("a", [1], token);
        Assert.True(log.TryGetTopic("__herald.state-test", out var created));
        Assert.Equal(1, created.CountRecords());
        using var replayed = StateTopic.OpenExisting(log, "__herald.state-test", TimeProvider.System);
        Assert.Equal(["a"], replayed.Entries().Select(e => e.Key));
    }

    [Fact]
    public async Task OpenExisting_MissingTopicOnAReadOnlyLog_RefusesChanges()
    {
        using (Open())
        {
        }

        using var log = EmbeddedLog.Open(_directory, new EmbeddedLogOptions { ReadOnly = true });
        using var topic = StateTopic.OpenExisting(log, "__herald.state-test", TimeProvider.System);

        Assert.Empty(topic.Entries());
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await topic.SetAsync("a", [1], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Open_TopicHoldingCompressedBatchesOfAKafkaClient_ReplaysTheirRecords()
    {
        using (var log = Open())
        {
            var partition = log.GetOrCreateTopic("__herald.state-test").Partitions[0];
            var batch = ProducedBatchBytes.Build(ProducerCodec.SnappyXerial, [BatchBytes.Record(BatchBytes.Epoch, "a", "1"), BatchBytes.Record(BatchBytes.Epoch, "b", "2"), BatchBytes.Record(BatchBytes.Epoch, "a", null)]);
            await partition.AppendBatchesAsync(batch, TestContext.Current.CancellationToken);
        }

        using var reopened = Open();
        using var replayed = StateTopic.Open(reopened, "__herald.state-test", TimeProvider.System);
        Assert.Equal([("b", "32")], replayed.Entries().Select(e => (e.Key, Convert.ToHexString(e.Value))));
    }

    private EmbeddedLog Open()
    {
        var options = new EmbeddedLogOptions { CleanupInterval = Timeout.InfiniteTimeSpan };
        options.Topics["__herald.state-test"] = StateTopic.Options;
        return EmbeddedLog.Open(_directory, options);
    }
}
