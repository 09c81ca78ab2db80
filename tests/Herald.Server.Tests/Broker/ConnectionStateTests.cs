using System.Text;
using Herald.Log;
using Herald.Log.Storage;
using Herald.Server.Internal;

namespace Herald.Server.Tests.Broker;

/// <summary>The log readers a connection keeps between fetches: reused while fetched, closed once not, bounded in number.</summary>
public sealed class ConnectionStateTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-connection-state-").FullName;
    private readonly EmbeddedLog _log;

    public ConnectionStateTests()
    {
        var options = new EmbeddedLogOptions { CleanupInterval = Timeout.InfiniteTimeSpan };
        options.Topics["wide"] = new TopicOptions { Partitions = ConnectionState.MaxReaders + 6 };
        _log = EmbeddedLog.Open(_directory, options);
    }

    public void Dispose()
    {
        _log.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AReaderUnusedForEightFetches_IsClosed_OneFetchedEveryTimeIsKept()
    {
        var topic = _log.GetOrCreateTopic("wide");
        await AppendAsync(topic.Partitions[0], 3);
        using var state = new ConnectionState("test", null);

        state.BeginFetch();
        var kept = state.Reader(topic.Partitions[0], 0);
        state.Reader(topic.Partitions[1], 0);
        for (var i = 0; i < ConnectionState.UnusedFetches; i++)
        {
            state.BeginFetch();
            Assert.Same(kept, state.Reader(topic.Partitions[0], 0));
            Assert.Equal(2, state.ReaderCount);
        }

        state.BeginFetch();
        Assert.Equal(1, state.ReaderCount);
        Assert.Same(kept, state.Reader(topic.Partitions[0], 0));
    }

    [Fact]
    public async Task MoreThanMaxReaders_TheLeastRecentlyUsedIsClosed_AndReopensWhereItIsAskedToRead()
    {
        var topic = _log.GetOrCreateTopic("wide");
        foreach (var partition in topic.Partitions)
        {
            await AppendAsync(partition, 2);
        }

        using var state = new ConnectionState("test", null);
        state.BeginFetch();
        var first = state.Reader(topic.Partitions[0], 0);
        state.BeginFetch();
        foreach (var partition in topic.Partitions.Skip(1))
        {
            state.Reader(partition, 0);
            Assert.True(state.ReaderCount <= ConnectionState.MaxReaders);
        }

        Assert.Equal(ConnectionState.MaxReaders, state.ReaderCount);
        var reopened = state.Reader(topic.Partitions[0], 1);
        Assert.NotSame(first, reopened);
        Assert.True(reopened.TryRead(out var records));
        var values = new List<(long Offset, string Value)>();
        foreach (var record in records)
        {
            values.Add((record.Offset, Encoding.UTF8.GetString(record.Value)));
        }

        Assert.Contains((1L, "value-1"), values);
    }

    private static async Task AppendAsync(LogPartition partition, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await partition.AppendAsync(new LogRecord(0, null, Encoding.UTF8.GetBytes($"value-{i}")), TestContext.Current.CancellationToken);
        }
    }
}
