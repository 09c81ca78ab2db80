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
        Assert.Equal((Base, Base, 0L), (segment.BaseOffset, segment.NextOffset, segment.Size));
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

    [Theory]
    [InlineData(SegmentFile.DefaultIndexIntervalBytes)]
    [InlineData(1)]
    public void Open_LastSegmentCutAtEveryLength_RecoversToTheLastWholeBatch(int interval)
    {
        var boundaries = WriteSegment(5, interval);
        var log = File.ReadAllBytes(LogPath);
        var index = File.ReadAllBytes(IndexPath);

        for (var length = 0; length <= log.Length; length++)
        {
            File.WriteAllBytes(LogPath, log.AsSpan(0, length).ToArray());
            File.WriteAllBytes(IndexPath, index);
            var whole = boundaries.FindLastIndex(b => b <= length);

            using (var segment = SegmentFile.Open(_directory, Base, isLastSegment: true, out var recovery, interval))
            {
                Assert.Equal(boundaries[whole], segment.Size);
                Assert.Equal(Base + RecordsBefore(whole), segment.NextOffset);
                Assert.Equal(length - boundaries[whole], recovery.TruncatedBytes);
                Assert.Equal(boundaries[whole], recovery.ValidSize);
                Assert.Equal(recovery.TruncatedBytes > 0, recovery.Problem is not null);
                for (var offset = Base; offset < segment.NextOffset; offset++)
                {
                    Assert.True(segment.FindPosition(offset) < segment.Size);
                }
            }

            Assert.Equal(boundaries[whole], new FileInfo(LogPath).Length);
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

    [Fact]
    public void Append_WrongBaseOffset_Throws()
    {
        using var segment = SegmentFile.Create(_directory, Base);

        Assert.Throws<ArgumentException>(() => segment.Append(Encode(Base + 1, Record(Epoch, "k", "v")), Base + 1, 1));
        Assert.Throws<ArgumentException>(() => segment.Append(Encode(Base, Record(Epoch, "k", "v")), Base, 2));
        Assert.Equal(0, segment.Size);
    }

    private void FlipBitInBatch(List<long> boundaries, int batch)
    {
        var log = File.ReadAllBytes(LogPath);
        var middle = (int)((boundaries[batch] + RecordBatchLayout.RecordsPosition + boundaries[batch + 1]) / 2);
        log[middle] ^= 0x10;
        File.WriteAllBytes(LogPath, log);
    }
}
