using System.Buffers.Binary;
using Herald.Log.Storage;
using static Herald.Log.Tests.Storage.BatchBytes;

namespace Herald.Log.Tests.Storage;

public sealed class SegmentFileTests : IDisposable
{
    private const long Base = 1000;

    private readonly string _directory = Directory.CreateTempSubdirectory("herald-segment-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string LogPath => Path.Combine(_directory, SegmentFile.LogFileName(Base));

    private string IndexPath => Path.Combine(_directory, SegmentFile.IndexFileName(Base));

    private string TimeIndexPath => Path.Combine(_directory, SegmentFile.TimeIndexFileName(Base));

    // Each batch's max timestamp (after Epoch), out of order; every batch also holds a record 30 ms older than its max.
    private static readonly long[] MaxTimestamps = [100, 300, 200, 500, 400, 500, 700, 50, 650];

    /// <summary>Writes batches of 1, 2, 3, … records and returns each batch's start position, plus the end of the log last.</summary>
    private List<long> WriteSegment(int batches, int indexIntervalBytes = SegmentFile.DefaultIndexIntervalBytes)
    {
        using var segment = SegmentFile.Create(_directory, Base, indexIntervalBytes);
        var boundaries = new List<long>();
        for (var i = 0; i < batches; i++)
        {
            boundaries.Add(segment.Size);
            var count = (i % 3) + 1;
            var records = Enumerable.Range(0, count).Select(r => Record(Epoch + r, $"key-{i}-{r}", $"value-{i}-{r}")).ToArray();
            segment.Append(Encode(segment.NextOffset, records), segment.NextOffset, count);
        }

        segment.Flush();
        boundaries.Add(segment.Size);
        return boundaries;
    }

    private static long RecordsBefore(int batch) => Enumerable.Range(0, batch).Sum(i => (i % 3) + 1);

    [Fact]
    public void Create_NamesFilesAfterTheBaseOffset()
    {
        using var segment = SegmentFile.Create(_directory, Base);

        Assert.Equal("00000000000000001000.log", Path.GetFileName(segment.LogPath));
        Assert.Equal("00000000000000001000.index", Path.GetFileName(segment.IndexPath));
        Assert.Equal("00000000000000001000.timeindex", Path.GetFileName(segment.TimeIndexPath));
        Assert.Equal((Base, Base, 0L, -1L), (segment.BaseOffset, segment.NextOffset, segment.Size, segment.MaxTimestamp));
        Assert.True(File.Exists(TimeIndexPath));
        Assert.False(segment.IsSealed);
    }

    [Fact]
    public void Create_OverStaleIndexFiles_EmptiesThem()
    {
        File.WriteAllBytes(IndexPath, [1, 2, 3, 4, 5, 6, 7, 8]);
        File.WriteAllBytes(TimeIndexPath, new byte[24]);

        using var segment = SegmentFile.Create(_directory, Base);

        Assert.Equal(0, new FileInfo(IndexPath).Length);
        Assert.Equal(0, new FileInfo(TimeIndexPath).Length);
    }

    [Theory]
    [InlineData(SegmentFile.DefaultIndexIntervalBytes)]
    [InlineData(1)]
    [InlineData(200)]
    public void Reopen_AfterAppends_RestoresNextOffsetSizeAndIndex(int interval)
    {
        var boundaries = WriteSegment(20, interval);

        using var reopened = SegmentFile.Open(_directory, Base, isLastSegment: true, out var recovery, interval);

        Assert.Equal(Base + RecordsBefore(20), reopened.NextOffset);
        Assert.Equal(boundaries[^1], reopened.Size);
        Assert.Equal(new SegmentRecovery(boundaries[^1], 0, null), recovery);
        Assert.Equal(new FileInfo(IndexPath).Length, reopened.IndexEntryCount * 8L);
        if (interval == 1)
        {
            Assert.Equal(19, reopened.IndexEntryCount);
        }
    }

    [Theory]
    [InlineData(SegmentFile.DefaultIndexIntervalBytes)]
    [InlineData(1)]
    [InlineData(150)]
    public void FindPosition_EveryOffset_FindsTheBatchHoldingIt(int interval)
    {
        var boundaries = WriteSegment(25, interval);

        foreach (var isLast in new[] { true, false })
        {
            using var segment = SegmentFile.Open(_directory, Base, isLast, out _, interval);
            for (var batch = 0; batch < 25; batch++)
            {
                for (var offset = Base + RecordsBefore(batch); offset < Base + RecordsBefore(batch + 1); offset++)
                {
                    var position = segment.FindPosition(offset);
                    Assert.Equal(boundaries[batch], position);

                    var buffer = new byte[boundaries[batch + 1] - boundaries[batch]];
                    Assert.Equal(buffer.Length, segment.Read(position, buffer));
                    Assert.Contains(Decode(buffer), r => r.Offset == offset);
                }
            }

            Assert.Throws<ArgumentOutOfRangeException>(() => segment.FindPosition(Base - 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => segment.FindPosition(segment.NextOffset));
        }
    }

    [Fact]
    public void Open_RecoveredSegment_AcceptsAppendsAtTheRecoveredOffset()
    {
        var boundaries = WriteSegment(5);
        using (var stream = new FileStream(LogPath, FileMode.Open))
        {
            stream.SetLength(boundaries[4] + 30);
        }

        using (var segment = SegmentFile.Open(_directory, Base, isLastSegment: true, out var recovery))
        {
            Assert.Equal(30, recovery.TruncatedBytes);
            segment.Append(Encode(segment.NextOffset, Record(Epoch, "k", "v")), segment.NextOffset, 1);
        }

        using var reopened = SegmentFile.Open(_directory, Base, isLastSegment: true, out var clean);
        Assert.Equal(0, clean.TruncatedBytes);
        Assert.Equal(Base + RecordsBefore(4) + 1, reopened.NextOffset);
    }

    [Fact]
    public void Open_SealedSegmentWithAFlippedBit_ThrowsNamingFileAndOffset()
    {
        var boundaries = WriteSegment(5);
        FlipBitInBatch(boundaries, 2);

        var exception = Assert.Throws<LogCorruptedException>(() => SegmentFile.Open(_directory, Base, isLastSegment: false, out _));

        Assert.Equal(LogPath, exception.FileName);
        Assert.Equal(boundaries[2], exception.Position);
        Assert.Contains(LogPath, exception.Message, StringComparison.Ordinal);
        Assert.Contains($"byte offset {boundaries[2]}", exception.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(exception);
    }

    [Fact]
    public void Open_SealedSegmentWithATornTail_Throws()
    {
        var boundaries = WriteSegment(5);
        using (var stream = new FileStream(LogPath, FileMode.Open))
        {
            stream.SetLength(boundaries[^1] - 1);
        }

        var exception = Assert.Throws<LogCorruptedException>(() => SegmentFile.Open(_directory, Base, isLastSegment: false, out _));

        Assert.Equal(boundaries[4], exception.Position);
    }

    [Fact]
    public void Open_LastSegmentWithAFlippedBitInItsFinalBatch_TruncatesIt()
    {
        var boundaries = WriteSegment(5);
        FlipBitInBatch(boundaries, 4);

        using var segment = SegmentFile.Open(_directory, Base, isLastSegment: true, out var recovery);

        Assert.Equal(boundaries[4], segment.Size);
        Assert.Equal(boundaries[5] - boundaries[4], recovery.TruncatedBytes);
        Assert.Contains("CRC32C", recovery.Problem, StringComparison.Ordinal);
        Assert.Equal(Base + RecordsBefore(4), segment.NextOffset);
        Assert.Equal(boundaries[4], new FileInfo(LogPath).Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    public void Open_LastSegmentWithAFlippedBitInAnEarlierBatch_Throws(int batch)
    {
        var boundaries = WriteSegment(5);
        FlipBitInBatch(boundaries, batch);

        var exception = Assert.Throws<LogCorruptedException>(() => SegmentFile.Open(_directory, Base, isLastSegment: true, out _));

        Assert.Equal(LogPath, exception.FileName);
        Assert.Equal(boundaries[batch], exception.Position);
        Assert.Equal(boundaries[^1], new FileInfo(LogPath).Length);
    }

    [Fact]
    public void Open_LastSegmentWithAZeroFilledTail_TruncatesIt()
    {
        var boundaries = WriteSegment(5);
        using (var stream = new FileStream(LogPath, FileMode.Open))
        {
            stream.SetLength(boundaries[^1] + 4096);
        }

        using var segment = SegmentFile.Open(_directory, Base, isLastSegment: true, out var recovery);

        Assert.Equal(4096, recovery.TruncatedBytes);
        Assert.Equal(boundaries[^1], segment.Size);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Open_NonContiguousBaseOffsets_Throws(bool isLast)
    {
        var boundaries = WriteSegment(5);
        var log = File.ReadAllBytes(LogPath);
        var position = (int)boundaries[3];
        BinaryPrimitives.WriteInt64BigEndian(log.AsSpan(position), BinaryPrimitives.ReadInt64BigEndian(log.AsSpan(position)) + 1);
        File.WriteAllBytes(LogPath, log);

        var exception = Assert.Throws<LogCorruptedException>(() => SegmentFile.Open(_directory, Base, isLast, out _));

        Assert.Equal(boundaries[3], exception.Position);
        Assert.Contains("base offset", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SegmentFile.DefaultIndexIntervalBytes)]
    [InlineData(1)]
    [InlineData(150)]
    public void FindOffsetByTimestamp_OutOfOrderTimestamps_FindsTheFirstBatchWithAMaxAtOrAfter(int interval)
    {
        using (var written = WriteTimedSegment(interval))
        {
            AssertFindsEveryTimestamp(written);
        }

        foreach (var isLast in new[] { true, false })
        {
            using var reopened = SegmentFile.Open(_directory, Base, isLast, out _, interval);
            AssertFindsEveryTimestamp(reopened);
        }
    }

    [Fact]
    public void FindOffsetByTimestamp_BeforeTheFirstOrAfterTheLast_ReturnsTheFirstBatchOrNull()
    {
        using var segment = WriteTimedSegment(1);

        Assert.Equal(Base, segment.FindOffsetByTimestamp(long.MinValue));
        Assert.Equal(Base, segment.FindOffsetByTimestamp(Epoch));
        Assert.Equal(Epoch + 700, segment.MaxTimestamp);
        Assert.Equal(Base + 12, segment.FindOffsetByTimestamp(Epoch + 700));
        Assert.Null(segment.FindOffsetByTimestamp(Epoch + 701));
        Assert.Null(segment.FindOffsetByTimestamp(long.MaxValue));
    }

    [Fact]
    public void FindOffsetByTimestamp_EmptySegment_ReturnsNull()
    {
        using var segment = SegmentFile.Create(_directory, Base);

        Assert.Null(segment.FindOffsetByTimestamp(long.MinValue));
        Assert.Null(segment.FindOffsetByTimestamp(0));
        Assert.Equal(-1, segment.MaxTimestamp);
    }

    [Fact]
    public void Append_EveryBatchIndexed_WritesKafkaTimeIndexEntriesWhenTheMaxGrew()
    {
        using (var segment = WriteTimedSegment(1))
        {
            Assert.Equal(8, segment.IndexEntryCount);
            Assert.Equal(4, segment.TimeIndexEntryCount);
        }

        // The max before batches 1, 2, 4 and 7 (offsets 2, 4, 8, 14) grew to 100, 300, 500 and 700.
        var expected = new byte[4 * 12];
        (long Timestamp, int Relative)[] entries = [(Epoch + 100, 2), (Epoch + 300, 4), (Epoch + 500, 8), (Epoch + 700, 14)];
        for (var i = 0; i < entries.Length; i++)
        {
            BinaryPrimitives.WriteInt64BigEndian(expected.AsSpan(i * 12), entries[i].Timestamp);
            BinaryPrimitives.WriteInt32BigEndian(expected.AsSpan((i * 12) + 8), entries[i].Relative);
        }

        Assert.Equal(expected, File.ReadAllBytes(TimeIndexPath));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Open_TimeIndexCutMidEntry_RestoresLookupsAndMaxTimestamp(bool isLast)
    {
        WriteTimedSegment(1).Dispose();
        using (var stream = new FileStream(TimeIndexPath, FileMode.Open))
        {
            stream.SetLength(12 + 5);
        }

        using var segment = SegmentFile.Open(_directory, Base, isLast, out var recovery, 1);

        Assert.Equal(0, recovery.TruncatedBytes);
        Assert.Equal(Epoch + 700, segment.MaxTimestamp);
        AssertFindsEveryTimestamp(segment);
        Assert.Equal(segment.TimeIndexEntryCount * 12L, new FileInfo(TimeIndexPath).Length);
    }

    [Fact]
    public void Open_LastSegmentCutBeforeItsNewestBatch_DropsTheTimeIndexEntriesPastTheCut()
    {
        WriteTimedSegment(1).Dispose();
        long position;
        using (var written = SegmentFile.Open(_directory, Base, isLastSegment: false, out _, 1))
        {
            position = written.FindPosition(Base + 12);
        }

        using (var stream = new FileStream(LogPath, FileMode.Open))
        {
            stream.SetLength(position + 10);
        }

        using var segment = SegmentFile.Open(_directory, Base, isLastSegment: true, out var recovery, 1);

        Assert.Equal(10, recovery.TruncatedBytes);
        Assert.Equal((Base + 12, Epoch + 500), (segment.NextOffset, segment.MaxTimestamp));
        Assert.Equal(3, segment.TimeIndexEntryCount);
        Assert.Equal(3 * 12, new FileInfo(TimeIndexPath).Length);
        Assert.Null(segment.FindOffsetByTimestamp(Epoch + 501));
        Assert.Equal(Base + 6, segment.FindOffsetByTimestamp(Epoch + 500));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Open_CleanSegment_WritesNeitherIndexFile(bool isLast)
    {
        WriteTimedSegment(1).Dispose();
        var longAgo = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(IndexPath, longAgo);
        File.SetLastWriteTimeUtc(TimeIndexPath, longAgo);

        using (var segment = SegmentFile.Open(_directory, Base, isLast, out _, 1))
        {
            Assert.Equal((8, 4), (segment.IndexEntryCount, segment.TimeIndexEntryCount));
        }

        Assert.Equal(longAgo, File.GetLastWriteTimeUtc(IndexPath));
        Assert.Equal(longAgo, File.GetLastWriteTimeUtc(TimeIndexPath));
    }

    [Fact]
    public void Seal_ActiveSegment_FlushesAndRefusesAppendsButServesReads()
    {
        using var segment = WriteTimedSegment(1);
        var size = segment.Size;

        segment.Seal();
        segment.Seal();

        Assert.True(segment.IsSealed);
        var error = Assert.Throws<InvalidOperationException>(() => segment.Append(Encode(segment.NextOffset, Record(Epoch, "k", "v")), segment.NextOffset, 1));
        Assert.Contains(LogPath, error.Message, StringComparison.Ordinal);
        Assert.Equal(size, segment.Size);
        Assert.Equal(size, new FileInfo(LogPath).Length);
        Assert.Equal(Base + 12, segment.FindOffsetByTimestamp(Epoch + 700));
        Assert.True(segment.Read(segment.FindPosition(Base + 17), new byte[100]) > 0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Open_AsLastOrSealed_IsSealedOnlyWhenNotLast(bool isLast)
    {
        WriteSegment(3);

        using var segment = SegmentFile.Open(_directory, Base, isLast, out _);

        Assert.Equal(!isLast, segment.IsSealed);
        segment.Seal();
        Assert.True(segment.IsSealed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(true)]
    [InlineData(false)]
    public void Delete_CreatedOrOpenedSegment_RemovesItsThreeFilesAndCloses(bool? openAsLast)
    {
        var segment = WriteTimedSegment(1);
        if (openAsLast is { } isLast)
        {
            segment.Dispose();
            segment = SegmentFile.Open(_directory, Base, isLast, out _, 1);
        }

        segment.Delete();

        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
        Assert.Throws<ObjectDisposedException>(() => segment.Read(0, new byte[100]));
        segment.Dispose();
        using var recreated = SegmentFile.Create(_directory, Base);
        Assert.Equal(0, recreated.Size);
    }

    [Fact]
    public void Append_WrongBaseOffset_Throws()
    {
        using var segment = SegmentFile.Create(_directory, Base);

        Assert.Throws<ArgumentException>(() => segment.Append(Encode(Base + 1, Record(Epoch, "k", "v")), Base + 1, 1));
        Assert.Throws<ArgumentException>(() => segment.Append(Encode(Base, Record(Epoch, "k", "v")), Base, 2));
        Assert.Equal(0, segment.Size);
    }

    /// <summary>Writes <see cref="MaxTimestamps"/>' batches of two records each (at max - 30 and at max) and returns the open segment.</summary>
    private SegmentFile WriteTimedSegment(int indexIntervalBytes)
    {
        var segment = SegmentFile.Create(_directory, Base, indexIntervalBytes);
        for (var i = 0; i < MaxTimestamps.Length; i++)
        {
            var value = new string('v', 20 * i);
            segment.Append(Encode(segment.NextOffset, Record(Epoch + MaxTimestamps[i] - 30, "old", value), Record(Epoch + MaxTimestamps[i], "max", value)), segment.NextOffset, 2);
        }

        return segment;
    }

    private static void AssertFindsEveryTimestamp(SegmentFile segment)
    {
        for (var timestamp = Epoch - 10; timestamp <= Epoch + 710; timestamp++)
        {
            var batch = Array.FindIndex(MaxTimestamps, max => Epoch + max >= timestamp);
            Assert.Equal(batch < 0 ? null : Base + (2 * batch), segment.FindOffsetByTimestamp(timestamp));
        }
    }

    private void FlipBitInBatch(List<long> boundaries, int batch)
    {
        var log = File.ReadAllBytes(LogPath);
        var middle = (int)((boundaries[batch] + RecordBatchLayout.RecordsPosition + boundaries[batch + 1]) / 2);
        log[middle] ^= 0x10;
        File.WriteAllBytes(LogPath, log);
    }
}
