using static Herald.Log.Tests.Log.LogTestSupport;

namespace Herald.Log.Tests.Log;

public sealed class CleanupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-cleanup-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private EmbeddedLog Open(Action<TopicOptions> configure)
    {
        var options = new EmbeddedLogOptions { CleanupInterval = TimeSpan.FromHours(1) };
        options.DefaultTopic.SegmentBytes = 2048;
        configure(options.DefaultTopic);
        return EmbeddedLog.Open(_directory, options);
    }

    [Fact]
    public async Task CleanUp_RetentionBySize_DeletesOldestWholeSegmentsAndReadersSkipToTheStart()
    {
        using var log = Open(t => t.RetentionBytes = 8192);
        var partition = log.GetOrCreateTopic("orders").Partitions[0];
        for (var i = 0; i < 1000; i++)
        {
            await partition.AppendAsync(Record("k", $"value-{i:D5}"), TestContext.Current.CancellationToken);
        }

        using var early = partition.OpenReader(0);
        var segmentsBefore = partition.SegmentCount;
        log.CleanUp();

        Assert.True(partition.SegmentCount < segmentsBefore);
        Assert.True(partition.SizeInBytes <= 8192 + 2048, $"kept {partition.SizeInBytes} bytes");
        Assert.True(partition.StartOffset > 0);
        var stored = ReadAll(partition);
        Assert.Equal(partition.StartOffset, stored[0].Offset);
        Assert.Equal(Enumerable.Range((int)partition.StartOffset, 1000 - (int)partition.StartOffset).Select(i => $"value-{i:D5}"), stored.Select(s => s.Value));
        Assert.Equal(partition.StartOffset, Drain(early)[0].Offset);
        Assert.Equal(partition.SegmentCount * 3, Directory.GetFiles(partition.Directory).Length);
    }

    [Fact]
    public async Task CleanUp_RetentionByAge_DeletesSegmentsWhoseNewestEventIsTooOld()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var log = Open(t => t.RetentionTime = TimeSpan.FromDays(1));
        var partition = log.GetOrCreateTopic("orders").Partitions[0];
        for (var i = 0; i < 300; i++)
        {
            await partition.AppendAsync(Record("k", $"old-{i:D4}", now - TimeSpan.FromDays(3).Ticks / TimeSpan.TicksPerMillisecond), TestContext.Current.CancellationToken);
        }

        for (var i = 0; i < 300; i++)
        {
            await partition.AppendAsync(Record("k", $"new-{i:D4}", now), TestContext.Current.CancellationToken);
        }

        log.CleanUp();

        var stored = ReadAll(partition);
        Assert.Equal(300, stored.Count(s => s.Value.StartsWith("new-", StringComparison.Ordinal)));
        // Only whole segments go: the one holding both the last old and the first new events stays.
        Assert.True(stored.Count(s => s.Value.StartsWith("old-", StringComparison.Ordinal)) < 40);
    }

    [Fact]
    public async Task CleanUp_CompactedTopic_KeepsTheNewestEventPerKeyWithItsOffset()
    {
        using (var log = Open(t => t.CleanupPolicy = CleanupPolicy.Compact))
        {
            var partition = log.GetOrCreateTopic("prices").Partitions[0];
            for (var round = 0; round < 20; round++)
            {
                for (var key = 0; key < 10; key++)
                {
                    await partition.AppendAsync(Record($"sku-{key}", $"{round}"), TestContext.Current.CancellationToken);
                }

                await partition.AppendAsync(Record(null, $"unkeyed-{round}"), TestContext.Current.CancellationToken);
            }

            var before = ReadAll(partition);
            log.CleanUp();
            var after = ReadAll(partition);

            Assert.True(after.Count < before.Count, $"{after.Count} of {before.Count} records left");
            var latest = before.Where(s => s.Key is not null).GroupBy(s => s.Key).ToDictionary(g => g.Key!, g => g.Last());
            foreach (var record in after.Where(s => s.Key is not null))
            {
                var newest = latest[record.Key!];
                // Superseded records may survive only in the active segment, which compaction never touches.
                Assert.True(record.Offset == newest.Offset || record.Offset >= partition.Segments[^1].BaseOffset);
            }

            Assert.All(latest.Values, l => Assert.Contains(after, a => a.Offset == l.Offset && a.Value == l.Value));
            Assert.Equal(20, after.Count(s => s.Key is null));
            Assert.Equal(before.Select(s => s.Offset).Where(o => after.Any(a => a.Offset == o)), after.Select(s => s.Offset));
            // With nothing appended since, a second pass neither rewrites nor copies a segment.
            var files = Directory.GetFiles(partition.Directory, "*.log").ToDictionary(f => f, File.GetLastWriteTimeUtc);
            Assert.Equal(0, partition.CleanUp(DateTimeOffset.UtcNow));
            Assert.Equal(files, Directory.GetFiles(partition.Directory, "*.log").ToDictionary(f => f, File.GetLastWriteTimeUtc));

            Assert.Equal(220, await partition.AppendAsync(Record("sku-1", "after"), TestContext.Current.CancellationToken));
        }

        using var reopened = Open(t => t.CleanupPolicy = CleanupPolicy.Compact);
        var again = reopened.GetOrCreateTopic("prices").Partitions[0];
        Assert.Equal(221, again.EndOffset);
        Assert.Equal("after", ReadAll(again).Last().Value);
    }
}
