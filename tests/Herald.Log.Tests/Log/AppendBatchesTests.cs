using Herald.Log.Storage;
using Herald.Log.Tests.Storage;
using static Herald.Log.Tests.Log.ProducedBatchSupport;

namespace Herald.Log.Tests.Log;

public sealed class AppendBatchesTests : IDisposable
{
    private const long T = BatchBytes.Epoch;
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-batches-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<ProducerCodec> Codecs => new(Enum.GetValues<ProducerCodec>());

    private EmbeddedLog Open(Action<TopicOptions>? configure = null)
    {
        var options = new EmbeddedLogOptions { CleanupInterval = Timeout.InfiniteTimeSpan };
        configure?.Invoke(options.DefaultTopic);
        return EmbeddedLog.Open(_directory, options);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task AppendBatchesAsync_BetweenAppends_ReadsBackEveryRecordAndStoresTheBatchesAsProduced(ProducerCodec codec)
    {
        LogRecord[] firstRecords =
        [
            Record(T + 500, "order-1", "created", ("ce_type", "order.created"), ("empty", null)),
            Record(T + 400, null, "no key"),
            Record(T + 600, "order-1", null),
        ];
        LogRecord[] secondRecords = [Record(T + 700, "order-2", "paid", ("trace", "abc")), Record(T + 800, "order-3", new string('x', 5000))];
        var first = ProducedBatchBytes.Build(codec, firstRecords);
        var second = ProducedBatchBytes.Build(codec, secondRecords, producerId: 7, producerEpoch: 2, baseSequence: 40);
        List<Stored> expected;
        using (var log = Open())
        {
            var partition = log.GetOrCreateTopic("orders").Partitions[0];
            var before = await partition.AppendAsync(Record(T, "herald", "before"), TestContext.Current.CancellationToken);

            var baseOffset = await partition.AppendBatchesAsync(Concat(first, second), TestContext.Current.CancellationToken);
            var after = await partition.AppendAsync(Record(T + 900, "herald", "after"), TestContext.Current.CancellationToken);

            Assert.Equal((0L, 1L, 6L, 7L), (before, baseOffset, after, partition.EndOffset));
            expected = [.. Expected(0, Record(T, "herald", "before")), .. Expected(1, firstRecords), .. Expected(4, secondRecords), .. Expected(6, Record(T + 900, "herald", "after"))];
            Assert.Equal(expected, ReadAll(partition));
            var stored = StoredBatches(partition);
            Assert.Equal(AsStored(first, 1), stored[1]);
            Assert.Equal(AsStored(second, 4), stored[4]);
            Assert.True(RecordBatchHeader.TryRead(stored[4], out var header));
            Assert.Equal((7L, (short)2, 40, 2), (header.ProducerId, header.ProducerEpoch, header.BaseSequence, header.RecordCount));
        }

        using var reopened = Open();
        var again = reopened.GetOrCreateTopic("orders").Partitions[0];
        Assert.Empty(reopened.Recoveries);
        Assert.Empty(reopened.Damaged);
        Assert.Equal(7, again.EndOffset);
        Assert.Equal(expected, ReadAll(again));
        Assert.Equal(AsStored(second, 4), StoredBatches(again)[4]);
        Assert.Equal(4, ReadAll(again, from: 4)[0].Offset);
        Assert.Equal(1, again.FindOffset(DateTimeOffset.FromUnixTimeMilliseconds(T + 550)));
        Assert.Equal(4, again.FindOffset(DateTimeOffset.FromUnixTimeMilliseconds(T + 650)));
        Assert.Equal(6, again.FindOffset(DateTimeOffset.FromUnixTimeMilliseconds(T + 850)));
    }

    [Theory]
    [InlineData(ProducerCodec.Gzip)]
    [InlineData(ProducerCodec.Zstd)]
    public async Task AppendBatchesAsync_ManyBatchesOverSmallSegments_RollsIndexesAndFindsOffsetsByTimestamp(ProducerCodec codec)
    {
        var all = new List<Stored>();
        using (var log = Open(t => (t.SegmentBytes, t.IndexIntervalBytes) = (1024, 64)))
        {
            var partition = log.GetOrCreateTopic("orders").Partitions[0];
            for (var i = 0; i < 60; i++)
            {
                LogRecord[] records = [.. Enumerable.Range(0, 3).Select(r => Record(T + (i * 10) + r, $"key-{i}", $"value-{i}-{r}-{new string('v', i * 3)}"))];
                Assert.Equal(i * 3, await partition.AppendBatchesAsync(ProducedBatchBytes.Build(codec, records), TestContext.Current.CancellationToken));
                all.AddRange(Expected(i * 3, records));
            }

            Assert.True(partition.SegmentCount > 3, $"{partition.SegmentCount} segments");
            Assert.Equal(all, ReadAll(partition));
        }

        using var reopened = Open(t => (t.SegmentBytes, t.IndexIntervalBytes) = (1024, 64));
        var again = reopened.GetOrCreateTopic("orders").Partitions[0];
        Assert.Equal(all, ReadAll(again));
        Assert.Equal(all.Skip(100), ReadAll(again, from: 100));
        foreach (var batch in new[] { 0, 17, 33, 59 })
        {
            Assert.Equal(batch * 3, again.FindOffset(DateTimeOffset.FromUnixTimeMilliseconds(T + (batch * 10))));
        }
    }

    [Fact]
    public async Task AppendBatchesAsync_ConcurrentWithAppendAsync_EveryRecordGetsOneContiguousOffset()
    {
        using var log = Open(t => t.FlushPolicy = FlushPolicy.Always);
        var partition = log.GetOrCreateTopic("orders").Partitions[0];

        var producers = Enumerable.Range(0, 3).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                LogRecord[] records = [Record(T + i, $"p{p}", $"{p}:{i}:0"), Record(T + i, $"p{p}", $"{p}:{i}:1")];
                var offset = await partition.AppendBatchesAsync(ProducedBatchBytes.Build(ProducerCodec.Lz4, records));
                Assert.True(offset >= 0);
            }
        }));
        var appender = Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await partition.AppendAsync(Record(T + i, "herald", $"h:{i}"));
            }
        });
        await Task.WhenAll([.. producers, appender]);

        var stored = ReadAll(partition);
        Assert.Equal(Enumerable.Range(0, 400).Select(i => (long)i), stored.Select(s => s.Offset));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"h:{i}"), stored.Where(s => s.Key == "herald").Select(s => s.Value));
        foreach (var p in Enumerable.Range(0, 3))
        {
            Assert.Equal(Enumerable.Range(0, 100).Select(i => $"{p}:{i / 2}:{i % 2}"), stored.Where(s => s.Key == $"p{p}").Select(s => s.Value));
        }

        Assert.True(partition.CommitCount > 0);
    }

    [Fact]
    public async Task AppendBatchesAsync_FlushPolicyAlways_CompletesOnlyAfterTheBatchesWereFsynced()
    {
        var synced = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var previous = SegmentFile.Synced;
        SegmentFile.Synced = (path, size) =>
        {
            previous?.Invoke(path, size);
            if (path.StartsWith(_directory, StringComparison.Ordinal))
            {
                synced.AddOrUpdate(path, size, (_, known) => Math.Max(known, size));
            }
        };
        try
        {
            using var log = Open(t => t.FlushPolicy = FlushPolicy.Always);
            var partition = log.GetOrCreateTopic("orders").Partitions[0];
            for (var i = 0; i < 5; i++)
            {
                await partition.AppendBatchesAsync(ProducedBatchBytes.Build(ProducerCodec.Zstd, [Record(T + i, "k", $"v{i}")]), TestContext.Current.CancellationToken);

                var segment = partition.Segments[^1];
                Assert.Equal(segment.Size, synced.GetValueOrDefault(segment.LogPath));
            }
        }
        finally
        {
            SegmentFile.Synced = previous;
        }
    }

    [Fact]
    public async Task AppendBatchesAsync_WriteFails_FailsLikeAppendAsyncAndReopenKeepsWhatWasAcknowledged()
    {
        var acknowledged = ProducedBatchBytes.Build(ProducerCodec.Gzip, [Record(T, "k", "kept")]);
        using (var log = Open())
        {
            var partition = log.GetOrCreateTopic("orders").Partitions[0];
            await partition.AppendBatchesAsync(acknowledged, TestContext.Current.CancellationToken);

            // The segment's file handles going away stands in for a disk that stops taking writes or fsyncs.
            partition.Segments[^1].Dispose();

            var failed = await Assert.ThrowsAsync<LogFailedException>(async () => await partition.AppendBatchesAsync(ProducedBatchBytes.Build(ProducerCodec.Gzip, [Record(T, "k", "lost")])));
            Assert.Contains("orders-0", failed.Message, StringComparison.Ordinal);
            var later = await Assert.ThrowsAsync<LogFailedException>(async () => await partition.AppendBatchesAsync(acknowledged));
            Assert.Contains("failed earlier", later.Message, StringComparison.Ordinal);
            Assert.Equal(1, partition.EndOffset);
        }

        using var reopened = Open();
        Assert.Equal(["kept"], ReadAll(reopened.GetOrCreateTopic("orders").Partitions[0]).Select(s => s.Value));
    }

    [Fact]
    public async Task AppendBatchesAsync_PendingBytesOverTheLimit_WaitsForTheDiskAndStoresEachBatchAtItsOffset()
    {
        using var log = Open(t => (t.MaxBatchBytes, t.MaxPendingBytes) = (64 * 1024, 64 * 1024));
        var partition = log.GetOrCreateTopic("orders").Partitions[0];
        var value = new string('p', 20_000);

        // As with AppendAsync, an append that waits for room takes its offset when it gets room: calls not awaited in
        // turn may land in another order, each batch whole at the offset its task returns.
        var appends = Enumerable.Range(0, 40).Select(i => partition.AppendBatchesAsync(ProducedBatchBytes.Build(ProducerCodec.None, [Record(T + i, "k", $"{i}:{value}")])).AsTask()).ToList();
        var offsets = await Task.WhenAll(appends);

        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), offsets.Order());
        var stored = ReadAll(partition);
        Assert.All(Enumerable.Range(0, 40), i => Assert.Equal($"{i}:{value}", stored[(int)offsets[i]].Value));
    }

    [Fact]
    public async Task LogReader_SeekIntoACompressedBatchAndEnumerateTwice_ReturnsTheSameRecordsFromThatOffset()
    {
        using var log = Open();
        var partition = log.GetOrCreateTopic("orders").Partitions[0];
        LogRecord[] records = [.. Enumerable.Range(0, 5).Select(i => Record(T + i, $"k{i}", $"v{i}"))];
        await partition.AppendBatchesAsync(ProducedBatchBytes.Build(ProducerCodec.SnappyXerial, records), TestContext.Current.CancellationToken);

        using var reader = partition.OpenReader(2);
        Assert.True(reader.TryRead(out var set));
        var once = new List<Stored>();
        foreach (var record in set)
        {
            once.Add(Stored.From(record));
        }

        var twice = new List<Stored>();
        foreach (var record in set)
        {
            twice.Add(Stored.From(record));
        }

        Assert.Equal(Expected(0, records).Skip(2), once);
        Assert.Equal(once, twice);
        Assert.Equal(ProducedBatchBytes.Build(ProducerCodec.SnappyXerial, records).Length, set.Bytes.Length);
    }

    [Fact]
    public async Task RecordSet_ManyCompressedBatchesInOneRead_RecordsOfEarlierBatchesStayValidUntilTheNextRead()
    {
        using var log = Open();
        var partition = log.GetOrCreateTopic("orders").Partitions[0];
        for (var i = 0; i < 4; i++)
        {
            await partition.AppendBatchesAsync(ProducedBatchBytes.Build(ProducerCodec.Lz4, [Record(T, $"k{i}", $"value-of-batch-{i}")]), TestContext.Current.CancellationToken);
        }

        using var reader = partition.OpenReader(0);
        Assert.True(reader.TryRead(out var set));
        ReadOnlySpan<byte> first = default;
        var count = 0;
        foreach (var record in set)
        {
            first = count++ == 0 ? record.Value : first;
        }

        Assert.Equal(4, count);
        Assert.Equal("value-of-batch-0", System.Text.Encoding.UTF8.GetString(first));
    }

    [Fact]
    public async Task Open_TornTailAfterProducedBatches_CutsItAndKeepsTheBatches()
    {
        var produced = ProducedBatchBytes.Build(ProducerCodec.Zstd, [Record(T, "k", "v1"), Record(T + 1, "k", "v2")]);
        string segment;
        using (var log = Open())
        {
            var partition = log.GetOrCreateTopic("orders").Partitions[0];
            await partition.AppendBatchesAsync(produced, TestContext.Current.CancellationToken);
            segment = Directory.GetFiles(partition.Directory, "*.log").Single();
        }

        var whole = new FileInfo(segment).Length;
        await File.AppendAllBytesAsync(segment, produced.AsSpan(0, produced.Length - 7).ToArray(), TestContext.Current.CancellationToken);

        using var reopened = Open();
        var recovery = Assert.Single(reopened.Recoveries);
        Assert.Equal(whole, recovery.Position);
        Assert.Equal(["v1", "v2"], ReadAll(reopened.GetOrCreateTopic("orders").Partitions[0]).Select(s => s.Value));
    }

    [Fact]
    public async Task Open_DamageFollowedByAWholeProducedBatch_RefusesThePartitionRatherThanCutAcknowledgedRecords()
    {
        string segment;
        using (var log = Open())
        {
            var partition = log.GetOrCreateTopic("orders").Partitions[0];
            await partition.AppendBatchesAsync(ProducedBatchBytes.Build(ProducerCodec.Gzip, [Record(T, "k", "first")]), TestContext.Current.CancellationToken);
            await partition.AppendBatchesAsync(ProducedBatchBytes.Build(ProducerCodec.Gzip, [Record(T, "k", "second")], producerId: 3, producerEpoch: 0, baseSequence: 0), TestContext.Current.CancellationToken);
            segment = Directory.GetFiles(partition.Directory, "*.log").Single();
        }

        // A producer's batch carries its own baseSequence, not the writer's commit-group stamp: recovery cannot tell that
        // the damage before it was never acknowledged, so it must not cut.
        var bytes = await File.ReadAllBytesAsync(segment, TestContext.Current.CancellationToken);
        bytes[RecordBatchLayout.RecordsPosition + 3] ^= 0xFF;
        await File.WriteAllBytesAsync(segment, bytes, TestContext.Current.CancellationToken);

        using var reopened = Open();
        var damage = Assert.Single(reopened.Damaged);
        Assert.Contains("without a commit-group stamp", damage.Problem, StringComparison.Ordinal);
        Assert.Equal(bytes.Length, new FileInfo(segment).Length);
    }

    [Fact]
    public async Task CleanUp_CompactedTopicOfCompressedBatches_KeepsTheNewestPerKeyAndTheProducerFields()
    {
        using var log = Open(t => (t.CleanupPolicy, t.SegmentBytes) = (CleanupPolicy.Compact, 1024));
        var partition = log.GetOrCreateTopic("state").Partitions[0];
        for (var i = 0; i < 40; i++)
        {
            var batch = ProducedBatchBytes.Build(ProducerCodec.Zstd, [Record(T + i, $"key-{i % 4}", $"value-{i}-a"), Record(T + i, $"key-{i % 4}", $"value-{i}-b")], producerId: 9, producerEpoch: 1, baseSequence: i * 2);
            await partition.AppendBatchesAsync(batch, TestContext.Current.CancellationToken);
        }

        var activeStart = partition.Segments[^1].BaseOffset;
        log.CleanUp();

        var stored = ReadAll(partition);
        var sealedRecords = stored.Where(s => s.Offset < activeStart).ToList();
        Assert.All(sealedRecords, s => Assert.DoesNotContain(stored, later => later.Key == s.Key && later.Offset > s.Offset));
        Assert.Equal(stored.Where(s => s.Offset >= activeStart).Select(s => s.Offset), Enumerable.Range((int)activeStart, 80 - (int)activeStart).Select(i => (long)i));
        Assert.Equal(["value-36-b", "value-37-b", "value-38-b", "value-39-b"], stored.GroupBy(s => s.Key).Select(g => g.Last().Value).Order());
        foreach (var (baseOffset, bytes) in StoredBatches(partition))
        {
            Assert.True(RecordBatchHeader.TryRead(bytes, out var header));
            Assert.Equal((9L, (short)1, (int)baseOffset), (header.ProducerId, header.ProducerEpoch, header.BaseSequence));
        }
    }
}
