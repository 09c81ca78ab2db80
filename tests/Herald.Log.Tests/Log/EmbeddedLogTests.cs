using static Herald.Log.Tests.Log.LogTestSupport;

namespace Herald.Log.Tests.Log;

public sealed class EmbeddedLogTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-log-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static EmbeddedLogOptions Options(Action<TopicOptions>? configure = null)
    {
        var options = new EmbeddedLogOptions();
        configure?.Invoke(options.DefaultTopic);
        return options;
    }

    [Fact]
    public async Task AppendAsync_ThenRead_ReturnsRecordsInOrderWithKeysHeadersAndValues()
    {
        using var log = EmbeddedLog.Open(_directory);
        var partition = log.GetOrCreateTopic("orders").Partitions[3];

        var first = await partition.AppendAsync(Record("order-1", "created", 1000, ("ce_type", "order.created")), TestContext.Current.CancellationToken);
        var second = await partition.AppendAsync(Record(null, "no key", 1001), TestContext.Current.CancellationToken);

        Assert.Equal((0, 1), (first, second));
        var stored = ReadAll(partition);
        Assert.Equal(2, stored.Count);
        Assert.Equal((0L, 1000L, "order-1", "created"), (stored[0].Offset, stored[0].Timestamp, stored[0].Key, stored[0].Value));
        Assert.Equal([("ce_type", "order.created")], stored[0].Headers);
        Assert.Equal((1L, (string?)null, "no key"), (stored[1].Offset, stored[1].Key, stored[1].Value));
        Assert.Equal(2, partition.EndOffset);
    }

    [Fact]
    public async Task ConcurrentAppenders_EveryAppendGetsItsOwnOffsetAndIsReadBackOnce()
    {
        using var log = EmbeddedLog.Open(_directory);
        var partition = log.GetOrCreateTopic("orders").Partitions[0];

        var offsets = await Task.WhenAll(Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            var mine = new List<long>();
            for (var i = 0; i < 2000; i++)
            {
                mine.Add(await partition.AppendAsync(Record($"w{writer}", $"{writer}:{i}")));
            }

            return mine;
        })));

        Assert.Equal(Enumerable.Range(0, 8000).Select(i => (long)i), offsets.SelectMany(o => o).Order());
        var stored = ReadAll(partition);
        Assert.Equal(8000, stored.Count);
        foreach (var writer in Enumerable.Range(0, 4))
        {
            // Each writer awaited every append, so its records are in its own order.
            Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"{writer}:{i}"), stored.Where(s => s.Key == $"w{writer}").Select(s => s.Value));
        }
    }

    [Fact]
    public async Task Reopen_AfterDispose_KeepsEveryRecordAndContinuesOffsets()
    {
        using (var log = EmbeddedLog.Open(_directory, Options(t => t.SegmentBytes = 4096)))
        {
            var partition = log.GetOrCreateTopic("orders").Partitions[1];
            for (var i = 0; i < 500; i++)
            {
                await partition.AppendAsync(Record($"k{i % 7}", $"v{i}"), TestContext.Current.CancellationToken);
            }

            Assert.True(partition.SegmentCount > 5, $"expected the 4 KiB segments to roll, got {partition.SegmentCount}");
        }

        using var reopened = EmbeddedLog.Open(_directory, Options(t => t.SegmentBytes = 4096));
        Assert.Empty(reopened.Recoveries);
        var again = reopened.GetOrCreateTopic("orders").Partitions[1];
        Assert.Equal(500, again.EndOffset);
        Assert.Equal(500, await again.AppendAsync(Record("k", "after"), TestContext.Current.CancellationToken));
        var stored = ReadAll(again);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"v{i}").Append("after"), stored.Select(s => s.Value));
        Assert.Equal(Enumerable.Range(0, 501).Select(i => (long)i), stored.Select(s => s.Offset));
    }

    [Fact]
    public async Task OpenReader_AtAnOffsetInsideABatchAndAcrossSegments_StartsExactlyThere()
    {
        using var log = EmbeddedLog.Open(_directory, Options(t => t.SegmentBytes = 2048));
        var partition = log.GetOrCreateTopic("orders").Partitions[0];
        var records = Enumerable.Range(0, 300).Select(i => Record("k", $"v{i}")).ToArray();
        await partition.AppendAsync(records.AsSpan(0, 150), TestContext.Current.CancellationToken);
        await partition.AppendAsync(records.AsSpan(150), TestContext.Current.CancellationToken);

        foreach (var from in new[] { 0L, 1, 77, 149, 150, 151, 299 })
        {
            Assert.Equal(Enumerable.Range((int)from, 300 - (int)from).Select(i => $"v{i}"), ReadAll(partition, from).Select(s => s.Value));
        }

        Assert.Empty(ReadAll(partition, 300));
    }

    [Fact]
    public async Task CommitCount_ASpanOfRecords_IsOneCommitAndAwaitedAppendsOneEach()
    {
        using var log = EmbeddedLog.Open(_directory, Options(t => t.SegmentBytes = 1 << 20));
        var partition = log.GetOrCreateTopic("orders").Partitions[0];
        var records = Enumerable.Range(0, 400).Select(i => Record($"k{i}", $"v{i}")).ToArray();

        await partition.AppendAsync(records, TestContext.Current.CancellationToken);
        var afterSpan = partition.CommitCount;
        for (var i = 0; i < 3; i++)
        {
            await partition.AppendAsync(records[i], TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, afterSpan);
        Assert.Equal(4, partition.CommitCount);
        Assert.Equal(403, partition.EndOffset);
    }

    [Fact]
    public async Task FindOffset_ByTimestamp_ReturnsTheFirstRecordAtOrAfterIt()
    {
        using var log = EmbeddedLog.Open(_directory, Options(t => t.SegmentBytes = 2048));
        var partition = log.GetOrCreateTopic("orders").Partitions[0];
        for (var i = 0; i < 200; i++)
        {
            await partition.AppendAsync(Record("k", $"v{i}", 1_000_000 + (i * 10)), TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, partition.FindOffset(DateTimeOffset.FromUnixTimeMilliseconds(0)));
        Assert.Equal(100, partition.FindOffset(DateTimeOffset.FromUnixTimeMilliseconds(1_001_000)));
        Assert.Equal(101, partition.FindOffset(DateTimeOffset.FromUnixTimeMilliseconds(1_001_005)));
        Assert.Equal(200, partition.FindOffset(DateTimeOffset.FromUnixTimeMilliseconds(9_000_000)));
    }

    [Fact]
    public async Task WaitToReadAsync_TailingReader_WakesOnAppendAndReturnsFalseWhenTheLogCloses()
    {
        var log = EmbeddedLog.Open(_directory);
        var partition = log.GetOrCreateTopic("orders").Partitions[0];
        using var reader = partition.OpenReader(0);

        var waiting = reader.WaitToReadAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(waiting.IsCompleted);

        // A commit to another partition is what would wake a reader that waited on the wrong signal; it must not.
        await log.GetOrCreateTopic("orders").Partitions[1].AppendAsync(Record("k", "elsewhere"), TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        await partition.AppendAsync(Record("k", "v"), TestContext.Current.CancellationToken);
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.Single(Drain(reader));

        var closing = reader.WaitToReadAsync(TestContext.Current.CancellationToken).AsTask();
        log.Dispose();
        Assert.False(await closing.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(FlushPolicy.Always)]
    [InlineData(FlushPolicy.Interval)]
    [InlineData(FlushPolicy.None)]
    public async Task AppendAsync_EachFlushPolicy_AcknowledgesAndSurvivesReopen(FlushPolicy policy)
    {
        using (var log = EmbeddedLog.Open(_directory, Options(t => t.FlushPolicy = policy)))
        {
            var partition = log.GetOrCreateTopic("orders").Partitions[0];
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i => partition.AppendAsync(Record("k", $"v{i}")).AsTask()));
            Assert.Equal(100, ReadAll(partition).Count);
        }

        using var reopened = EmbeddedLog.Open(_directory, Options(t => t.FlushPolicy = policy));
        Assert.Equal(100, reopened.GetOrCreateTopic("orders").Partitions[0].EndOffset);
    }

    [Fact]
    public async Task Open_TornTailAfterACrash_TruncatesItReportsItAndKeepsEveryWholeBatch()
    {
        string segmentPath;
        using (var log = EmbeddedLog.Open(_directory))
        {
            var partition = log.GetOrCreateTopic("orders").Partitions[0];
            for (var i = 0; i < 10; i++)
            {
                await partition.AppendAsync(Record("k", $"v{i}"), TestContext.Current.CancellationToken);
            }

            segmentPath = Directory.GetFiles(partition.Directory, "*.log").Single();
        }

        var wholeSize = new FileInfo(segmentPath).Length;
        using (var file = File.OpenWrite(segmentPath))
        {
            file.Seek(0, SeekOrigin.End);
            file.Write(new byte[] { 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1, 0, 0, 0, 2 });
        }

        using var reopened = EmbeddedLog.Open(_directory);
        var recovery = Assert.Single(reopened.Recoveries);
        Assert.Equal((segmentPath, wholeSize, 15L), (recovery.FileName, recovery.Position, recovery.TruncatedBytes));
        Assert.Equal(wholeSize, new FileInfo(segmentPath).Length);
        Assert.Equal(10, ReadAll(reopened.GetOrCreateTopic("orders").Partitions[0]).Count);
    }

    [Fact]
    public void Open_SameDirectoryTwice_FailsWithAClearError()
    {
        using var log = EmbeddedLog.Open(_directory);

        var error = Assert.Throws<LogDirectoryLockedException>(() => EmbeddedLog.Open(_directory));

        Assert.Contains(_directory, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("orders/created")]
    [InlineData("..")]
    [InlineData("bestellung-ü")]
    public void GetOrCreateTopic_InvalidName_ThrowsNamingIt(string name)
    {
        using var log = EmbeddedLog.Open(_directory);

        var error = Assert.ThrowsAny<ArgumentException>(() => log.GetOrCreateTopic(name));

        Assert.Contains("topic name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetOrCreateTopic_InvalidOptions_ThrowsNamingTopicAndOption()
    {
        var options = new EmbeddedLogOptions();
        options.Topics["orders"] = new TopicOptions { SegmentBytes = 10 };
        using var log = EmbeddedLog.Open(_directory, options);

        var error = Assert.Throws<ArgumentException>(() => log.GetOrCreateTopic("orders"));

        Assert.Contains("'orders'", error.Message, StringComparison.Ordinal);
        Assert.Contains("SegmentBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_ExistingTopic_KeepsItsPartitionCountOnDisk()
    {
        using (var log = EmbeddedLog.Open(_directory, Options(t => t.Partitions = 3)))
        {
            await log.GetOrCreateTopic("orders").Partitions[0].AppendAsync(Record("k", "v"), TestContext.Current.CancellationToken);
        }

        using var reopened = EmbeddedLog.Open(_directory, Options(t => t.Partitions = 12));
        Assert.Equal(3, reopened.GetOrCreateTopic("orders").Partitions.Count);
        Assert.Equal(12, reopened.GetOrCreateTopic("payments").Partitions.Count);
    }
}
