using System.Buffers.Binary;
using Herald.Log.Storage;
using static Herald.Log.Tests.Storage.BatchBytes;

namespace Herald.Log.Tests.Storage;

/// <summary>Opens damaged copies of one segment at every byte: the tail rule and the corruption errors of <see cref="SegmentFile"/>.</summary>
public sealed class SegmentFileRecoveryTests : IDisposable
{
    private const long Base = 500;

    // Record counts and value sizes of the batches: all different, so every batch has its own size.
    private static readonly (int Records, int ValueBytes)[] Shapes = [(1, 10), (4, 200), (2, 3), (7, 50), (1, 700), (3, 20)];

    private readonly string _directory = Directory.CreateTempSubdirectory("herald-recovery-").FullName;
    private byte[] _index = [];
    private byte[] _timeIndex = [];

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string LogPath => Path.Combine(_directory, SegmentFile.LogFileName(Base));

    private string IndexPath => Path.Combine(_directory, SegmentFile.IndexFileName(Base));

    private string TimeIndexPath => Path.Combine(_directory, SegmentFile.TimeIndexFileName(Base));

    private static int LastBatch => Shapes.Length - 1;

    private static long OffsetOf(int batch) => Base + Shapes.Take(batch).Sum(s => s.Records);

    // Batch i's records are stamped Epoch + 10i + r, so the max before batch i is the last record of batch i - 1.
    private static long MaxTimestampBefore(int batch) => batch == 0 ? -1 : Epoch + (10 * (batch - 1)) + Shapes[batch - 1].Records - 1;

    [Theory]
    [InlineData(SegmentFile.DefaultIndexIntervalBytes)]
    [InlineData(1)]
    [InlineData(300)]
    public void Open_LastSegmentTruncatedAtEveryLength_KeepsTheWholeBatchesAndAcceptsAppends(int interval)
    {
        var (log, boundaries) = WriteSegment(interval);
        var appended = Encode(0, Record(Epoch + 1000, "after", "crash"));

        for (var length = 0; length <= log.Length; length++)
        {
            RestoreFiles(log.AsSpan(0, length));
            var whole = boundaries.FindLastIndex(b => b <= length);

            using (var segment = SegmentFile.Open(_directory, Base, isLastSegment: true, out var recovery, interval))
            {
                Assert.Equal((boundaries[whole], OffsetOf(whole)), (segment.Size, segment.NextOffset));
                Assert.Equal(new SegmentRecovery(boundaries[whole], length - boundaries[whole], recovery.Problem), recovery);
                Assert.Equal(recovery.Truncated, recovery.Problem is not null);
                Assert.Equal(MaxTimestampBefore(whole), segment.MaxTimestamp);
                Assert.Equal(boundaries[whole], new FileInfo(LogPath).Length);
                Assert.Equal(boundaries.Take(whole), Enumerable.Range(0, whole).Select(batch => segment.FindPosition(OffsetOf(batch))));
                BinaryPrimitives.WriteInt64BigEndian(appended, segment.NextOffset);
                segment.Append(appended, segment.NextOffset, 1);
            }

            using var reopened = SegmentFile.Open(_directory, Base, isLastSegment: true, out var clean, interval);
            Assert.Equal(new SegmentRecovery(boundaries[whole] + appended.Length, 0, null), clean);
            Assert.Equal((OffsetOf(whole) + 1, Epoch + 1000), (reopened.NextOffset, reopened.MaxTimestamp));
            Assert.Equal(OffsetOf(whole), reopened.FindOffsetByTimestamp(Epoch + 1000));
            Assert.Equal(boundaries[whole], reopened.FindPosition(OffsetOf(whole)));
        }
    }

    [Theory]
    [InlineData(SegmentFile.DefaultIndexIntervalBytes)]
    [InlineData(1)]
    public void Open_LastSegmentWithABitFlippedInAnyBatchButTheLast_ThrowsNamingFileAndBatchStart(int interval)
    {
        var (log, boundaries) = WriteSegment(interval);

        for (var batch = 0; batch < LastBatch; batch++)
        {
            for (var position = (int)boundaries[batch]; position < boundaries[batch + 1]; position++)
            {
                AssertCorruptAt(Flipped(log, position), isLastSegment: true, boundaries[batch], $"byte {position} of batch {batch}");
            }
        }
    }

    [Fact]
    public void Open_LastSegmentWhoseEarlierBatchLengthRunsPastTheEnd_ThrowsNamingTheDamagedLength()
    {
        var (log, boundaries) = WriteSegment(SegmentFile.DefaultIndexIntervalBytes);
        RestoreFiles(Flipped(log, (int)boundaries[1] + RecordBatchLayout.BatchLengthPosition));

        var exception = Assert.Throws<LogCorruptedException>(() => SegmentFile.Open(_directory, Base, isLastSegment: true, out _));

        Assert.Equal(boundaries[1], exception.Position);
        Assert.Contains("no torn write", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_LastSegmentWithABitFlippedFromTheMagicByteOnInItsLastBatch_CutsTheBatch()
    {
        var (log, boundaries) = WriteSegment(SegmentFile.DefaultIndexIntervalBytes);

        // From the magic byte on, every byte is checked (magic, then CRC over the rest): a torn write explains them all.
        for (var position = (int)boundaries[LastBatch] + RecordBatchLayout.MagicPosition; position < log.Length; position++)
        {
            RestoreFiles(Flipped(log, position));

            using var segment = SegmentFile.Open(_directory, Base, isLastSegment: true, out var recovery);

            Assert.True(recovery.TruncatedBytes == log.Length - boundaries[LastBatch], $"byte {position}: {recovery}");
            Assert.Equal((boundaries[LastBatch], OffsetOf(LastBatch)), (segment.Size, segment.NextOffset));
            Assert.Equal(boundaries[LastBatch], new FileInfo(LogPath).Length);
        }
    }

    [Fact]
    public void Open_LastSegmentWithABitFlippedBeforeTheMagicByteOfItsLastBatch_CutsOnlyWhatATornWriteExplains()
    {
        var (log, boundaries) = WriteSegment(SegmentFile.DefaultIndexIntervalBytes);
        var last = (int)boundaries[LastBatch];

        for (var field = 0; field < RecordBatchLayout.MagicPosition; field++)
        {
            var flipped = Flipped(log, last + field);
            if (field is >= RecordBatchLayout.BatchLengthPosition and < RecordBatchLayout.PartitionLeaderEpochPosition)
            {
                // A damaged length fails the checks like a torn write of the last commit group, which nothing follows.
                RestoreFiles(flipped);
                using var segment = SegmentFile.Open(_directory, Base, isLastSegment: true, out var recovery);
                Assert.Equal(log.Length - last, recovery.TruncatedBytes);
            }
            else
            {
                // The base offset and leader epoch lie outside the CRC, so the batch still passes it: a flipped bit
                // there is damage (a torn write leaves zeros, below).
                AssertCorruptAt(flipped, isLastSegment: true, last, $"header byte {field} of the last batch");
            }
        }
    }

    [Fact]
    public void Open_LastSegmentWhoseLastBatchStartsOnAStaleZeroPage_CutsItAsATornWrite()
    {
        // A power cut kept the page holding the batch's first bytes as it was before the batch (zeros) and the next
        // page, with the rest of the batch: it passes its CRC, which does not cover the base offset.
        var (log, boundaries) = WriteSegment(SegmentFile.DefaultIndexIntervalBytes);
        var last = (int)boundaries[LastBatch];
        var torn = log.ToArray();
        torn.AsSpan(last, RecordBatchLayout.BatchLengthPosition + 2).Clear();

        RestoreFiles(torn);
        using var segment = SegmentFile.Open(_directory, Base, isLastSegment: true, out var recovery);

        Assert.Equal(log.Length - last, recovery.TruncatedBytes);
        Assert.Equal(last, new FileInfo(LogPath).Length);
        AssertCorruptAt(torn, isLastSegment: false, last, "the same stale page in a sealed segment");
    }

    [Fact]
    public void Open_SealedSegmentWithABitFlippedAnywhere_ThrowsNamingFileAndBatchStart()
    {
        var (log, boundaries) = WriteSegment(SegmentFile.DefaultIndexIntervalBytes);

        for (var batch = 0; batch <= LastBatch; batch++)
        {
            for (var position = (int)boundaries[batch]; position < boundaries[batch + 1]; position++)
            {
                AssertCorruptAt(Flipped(log, position), isLastSegment: false, boundaries[batch], $"byte {position} of batch {batch}");
            }
        }
    }

    [Fact]
    public void Open_SealedSegmentWithIndexEntries_ValidatesOnlyFromItsLastIndexedBatch()
    {
        var (log, boundaries) = WriteSegment(1);
        var damaged = Flipped(log, (int)boundaries[1] + RecordBatchLayout.RecordsPosition);

        RestoreFiles(damaged);
        using (var sealedSegment = SegmentFile.Open(_directory, Base, isLastSegment: false, out var recovery, 1))
        {
            Assert.Equal(new SegmentRecovery(log.Length, 0, null), recovery);
            Assert.Equal((OffsetOf(Shapes.Length), MaxTimestampBefore(Shapes.Length)), (sealedSegment.NextOffset, sealedSegment.MaxTimestamp));
        }

        AssertCorruptAt(damaged, isLastSegment: true, boundaries[1], "the same damage in the last segment");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Open_IndexesPointingIntoABatch_RebuildsThemFromTheLog(bool isLastSegment)
    {
        var (log, boundaries) = WriteSegment(1);
        var expectedIndex = _index;
        var expectedTimeIndex = _timeIndex;
        _index = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(_index, 1);
        BinaryPrimitives.WriteInt32BigEndian(_index.AsSpan(4), 5);
        _timeIndex = new byte[12];
        BinaryPrimitives.WriteInt64BigEndian(_timeIndex, Epoch);
        BinaryPrimitives.WriteInt32BigEndian(_timeIndex.AsSpan(8), 1);
        RestoreFiles(log);

        using (var segment = SegmentFile.Open(_directory, Base, isLastSegment, out var recovery, 1))
        {
            Assert.Equal(new SegmentRecovery(log.Length, 0, null), recovery);
            Assert.Equal((OffsetOf(Shapes.Length), MaxTimestampBefore(Shapes.Length)), (segment.NextOffset, segment.MaxTimestamp));
            for (var batch = 0; batch <= LastBatch; batch++)
            {
                Assert.Equal(boundaries[batch], segment.FindPosition(OffsetOf(batch)));
                Assert.Equal(OffsetOf(batch), segment.FindOffsetByTimestamp(MaxTimestampBefore(batch + 1)));
            }
        }

        Assert.Equal(expectedIndex, File.ReadAllBytes(IndexPath));
        Assert.Equal(expectedTimeIndex, File.ReadAllBytes(TimeIndexPath));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Open_WithoutIndexFiles_RebuildsThemAndTheMaxTimestamp(bool isLastSegment)
    {
        var (log, _) = WriteSegment(1);
        File.Delete(IndexPath);
        File.Delete(TimeIndexPath);

        using (var segment = SegmentFile.Open(_directory, Base, isLastSegment, out _, 1))
        {
            Assert.Equal(MaxTimestampBefore(Shapes.Length), segment.MaxTimestamp);
            Assert.Equal(Shapes.Length - 1, segment.IndexEntryCount);
            Assert.Equal(Shapes.Length - 1, segment.TimeIndexEntryCount);
        }

        Assert.Equal(_index, File.ReadAllBytes(IndexPath));
        Assert.Equal(_timeIndex, File.ReadAllBytes(TimeIndexPath));
        Assert.Equal(log, File.ReadAllBytes(LogPath));
    }

    /// <summary>Writes the batches of <see cref="Shapes"/> and returns the log's bytes and each batch's start, plus the log's end last.</summary>
    private (byte[] Log, List<long> Boundaries) WriteSegment(int indexIntervalBytes)
    {
        var boundaries = new List<long>();
        using (var segment = SegmentFile.Create(_directory, Base, indexIntervalBytes))
        {
            for (var i = 0; i < Shapes.Length; i++)
            {
                boundaries.Add(segment.Size);
                var records = Enumerable.Range(0, Shapes[i].Records)
                    .Select(r => Record(Epoch + (10 * i) + r, $"key-{i}-{r}", new string((char)('a' + i), Shapes[i].ValueBytes)))
                    .ToArray();
                segment.Append(Encode(segment.NextOffset, records), segment.NextOffset, records.Length);
            }

            boundaries.Add(segment.Size);
        }

        _index = File.ReadAllBytes(IndexPath);
        _timeIndex = File.ReadAllBytes(TimeIndexPath);
        Assert.Equal(boundaries.Count, boundaries.Distinct().Count());
        Assert.Equal(Shapes.Length, Enumerable.Range(0, Shapes.Length).Select(i => boundaries[i + 1] - boundaries[i]).Distinct().Count());
        return (File.ReadAllBytes(LogPath), boundaries);
    }

    // A crash leaves the index files as they were before it: restore them beside each damaged log. Deleting first keeps
    // ext4 from flushing each file that a truncate-and-rewrite replaces (auto_da_alloc), which would slow the test tenfold.
    private void RestoreFiles(ReadOnlySpan<byte> log)
    {
        foreach (var (path, bytes) in new[] { (LogPath, log.ToArray()), (IndexPath, _index), (TimeIndexPath, _timeIndex) })
        {
            File.Delete(path);
            File.WriteAllBytes(path, bytes);
        }
    }

    private static byte[] Flipped(byte[] log, int position)
    {
        var copy = log.ToArray();
        copy[position] ^= 0x10;
        return copy;
    }

    private void AssertCorruptAt(byte[] log, bool isLastSegment, long batchStart, string what)
    {
        RestoreFiles(log);

        var exception = Xunit.Record.Exception(() => SegmentFile.Open(_directory, Base, isLastSegment, out _).Dispose());

        if (exception is not LogCorruptedException corrupted)
        {
            Assert.Fail($"{what}: {exception?.ToString() ?? "opened without an error"}");
            return;
        }

        Assert.True(corrupted.FileName == LogPath && corrupted.Position == batchStart, $"{what}: {corrupted.Message}");
        Assert.Contains(LogPath, corrupted.Message, StringComparison.Ordinal);
        Assert.Contains($"byte offset {batchStart}", corrupted.Message, StringComparison.Ordinal);
        Assert.True(new FileInfo(LogPath).Length == log.Length, $"{what}: the log was cut");
    }
}
