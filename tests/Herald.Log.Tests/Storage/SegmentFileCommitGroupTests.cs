using System.Buffers.Binary;
using System.Diagnostics;
using Herald.Log.Storage;
using static Herald.Log.Tests.Storage.BatchBytes;

namespace Herald.Log.Tests.Storage;

/// <summary>
/// Power cuts that keep some pages of the last commit group and lose others: recovery cuts the torn group and keeps
/// every acknowledged one; damage that a later commit group follows, and crafted files, refuse or fail fast.
/// </summary>
public sealed class SegmentFileCommitGroupTests : IDisposable
{
    private const long Base = 0;
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-groups-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string LogPath => Path.Combine(_directory, SegmentFile.LogFileName(Base));

    [Fact]
    public void Open_LastBatchWhoseFirstPageWasLostButALaterPageSurvived_CutsIt()
    {
        // One acknowledged group, then a one-batch group of 3 KiB whose first 512-byte sector never reached the disk.
        var (log, groups) = WriteGroups([[(2, 100)], [(1, 3000)]]);
        var torn = log.ToArray();
        Array.Clear(torn, (int)groups[1], 512);

        var (size, nextOffset, cut) = OpenLast(torn);

        Assert.Equal((groups[1], 2L, torn.Length - groups[1]), (size, nextOffset, cut));
        Assert.Equal(groups[1], new FileInfo(LogPath).Length);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public void Open_CommitGroupWhoseFirstBatchWasLostButLaterBatchesSurvived_CutsTheGroup(int page)
    {
        // Group 0 acknowledged; group 1 of four batches lost its first page(s) while its later batches reached the disk whole.
        var (log, groups) = WriteGroups([[(3, 50)], [(2, 2000), (1, 3000), (4, 900), (1, 10)]]);
        var torn = log.ToArray();
        var firstPage = (int)(groups[1] / page * page);
        Array.Clear(torn, firstPage, page);
        Array.Copy(log, firstPage, torn, firstPage, (int)groups[1] - firstPage);

        var (size, nextOffset, cut) = OpenLast(torn);

        Assert.Equal((groups[1], 3L, torn.Length - groups[1]), (size, nextOffset, cut));
    }

    [Fact]
    public void Open_DamageInAnAcknowledgedGroupThatALaterGroupFollows_RefusesNamingFileAndOffset()
    {
        var (log, groups) = WriteGroups([[(3, 50)], [(2, 2000), (1, 3000)], [(1, 40)]]);
        var damaged = log.ToArray();
        Array.Clear(damaged, (int)groups[1], 512);

        var exception = Assert.Throws<LogCorruptedException>(() => OpenLast(damaged));

        Assert.Equal((LogPath, groups[1]), (exception.FileName, exception.Position));
        Assert.Contains("later commit group", exception.Message, StringComparison.Ordinal);
        Assert.Equal(damaged, File.ReadAllBytes(LogPath));
    }

    [Fact]
    public void Open_ReadOnlyWithATornGroup_ReportsItAndChangesNoByte()
    {
        var (log, groups) = WriteGroups([[(3, 50)], [(2, 2000), (1, 3000)]]);
        var torn = log.ToArray();
        Array.Clear(torn, (int)groups[1], 4096);
        File.WriteAllBytes(LogPath, torn);
        File.Delete(Path.Combine(_directory, SegmentFile.IndexFileName(Base)));
        var before = Directory.GetFiles(_directory).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();

        using (var segment = SegmentFile.Open(_directory, Base, isLastSegment: true, out var recovery, readOnly: true))
        {
            Assert.Equal((groups[1], 3L), (segment.Size, segment.NextOffset));
            Assert.Equal(torn.Length - groups[1], recovery.TruncatedBytes);
            Assert.Throws<InvalidOperationException>(() => segment.Append(Encode(3, Record(Epoch, "k", "v")), 3, 1));
        }

        Assert.Equal(before, Directory.GetFiles(_directory).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList());
    }

    [Fact]
    public async Task FindPosition_SealedSegmentWithANegativeBatchLength_ThrowsInsteadOfLooping()
    {
        // Four 83-byte batches; an index entry only at the fourth, so the sealed open trusts the first three.
        var (log, groups) = WriteGroups([[(1, 10)], [(1, 10)], [(1, 10)], [(1, 10)]], indexIntervalBytes: 240);
        var damaged = log.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(damaged.AsSpan((int)groups[1] + RecordBatchLayout.BatchLengthPosition), -12);
        File.WriteAllBytes(LogPath, damaged);
        using var sealedSegment = SegmentFile.Open(_directory, Base, isLastSegment: false, out _, indexIntervalBytes: 240);
        var thrown = await Task.Run(() => Xunit.Record.Exception(() => sealedSegment.FindPosition(2)), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        var exception = Assert.IsType<LogCorruptedException>(thrown);
        Assert.Equal(groups[1], exception.Position);
    }

    [Fact]
    public void Open_SparseIndexOfGigabytes_ReadsNoMoreEntriesThanTheLogHoldsBatches()
    {
        WriteGroups([[(2, 10)], [(1, 10)]]);
        using (var index = File.OpenHandle(Path.Combine(_directory, SegmentFile.IndexFileName(Base)), FileMode.Open, FileAccess.Write))
        {
            RandomAccess.SetLength(index, 3L * 1024 * 1024 * 1024);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        using var segment = SegmentFile.Open(_directory, Base, isLastSegment: true, out _);

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 16 * 1024 * 1024, "opening allocated as much as the index claims");
        Assert.Equal(3L, segment.NextOffset);
    }

    [Fact]
    public void Open_CraftedTailOfBatchLikeHeaders_DecidesAfterLinearWork()
    {
        // Two MiB of overlapping fake headers, each claiming the rest of the file: a search that checks every candidate's
        // CRC over its whole claim would do terabytes of work; the budgeted one stops and refuses.
        var (log, groups) = WriteGroups([[(1, 10)]]);
        var crafted = new byte[2 * 1024 * 1024];
        for (var at = 0; at + RecordBatchLayout.RecordsPosition <= crafted.Length; at += 64)
        {
            BinaryPrimitives.WriteInt64BigEndian(crafted.AsSpan(at), 1 + (at / 64));
            BinaryPrimitives.WriteInt32BigEndian(crafted.AsSpan(at + RecordBatchLayout.BatchLengthPosition), crafted.Length - at - RecordBatchLayout.LogOverhead);
            crafted[at + RecordBatchLayout.MagicPosition] = RecordBatchLayout.CurrentMagic;
        }

        var stopwatch = Stopwatch.StartNew();
        var exception = Assert.Throws<LogCorruptedException>(() => OpenLast([.. log, .. crafted]));

        Assert.Equal(groups[1], exception.Position);
        Assert.Contains("search budget", exception.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(60), $"recovery took {stopwatch.Elapsed}");
    }

    /// <summary>Writes commit groups of batches (records, value bytes) stamped as the writer does; returns the log and each group's start, plus the end.</summary>
    private (byte[] Log, List<long> GroupStarts) WriteGroups((int Records, int ValueBytes)[][] groups, int indexIntervalBytes = SegmentFile.DefaultIndexIntervalBytes)
    {
        var starts = new List<long>();
        using (var segment = SegmentFile.Create(_directory, Base, indexIntervalBytes))
        {
            foreach (var group in groups)
            {
                starts.Add(segment.Size);
                var groupStart = segment.NextOffset;
                foreach (var (count, valueBytes) in group)
                {
                    var records = Enumerable.Range(0, count).Select(r => Record(Epoch + r, $"key-{r}", new string('v', valueBytes))).ToArray();
                    var bytes = Encode(segment.NextOffset, records);
                    BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(RecordBatchLayout.BaseSequencePosition), (int)(segment.NextOffset - groupStart));
                    segment.Append(Reseal(bytes), segment.NextOffset, count);
                }
            }

            starts.Add(segment.Size);
        }

        return (File.ReadAllBytes(LogPath), starts);
    }

    private (long Size, long NextOffset, long Cut) OpenLast(byte[] log)
    {
        File.WriteAllBytes(LogPath, log);
        using var segment = SegmentFile.Open(_directory, Base, isLastSegment: true, out var recovery);
        return (segment.Size, segment.NextOffset, recovery.TruncatedBytes);
    }
}
