using System.Globalization;
using Herald.Log.Storage;

namespace Herald.Log;

/// <summary>
/// Brings a damaged partition back: cuts it at its first batch that fails its checks, keeping a copy of every byte cut,
/// so that the partition opens and serves again with the records before the damage.
/// </summary>
/// <remarks>
/// <para>
/// The operator's command for what <see cref="EmbeddedLog.Damaged"/> reports (<c>herald log repair</c>). It validates every
/// batch of every segment of the partition from the start (unlike an open, which trusts sealed segments up to their last
/// index entry), so it also finds damage that reads ran into. The cut bytes of the damaged segment and every later
/// segment move to <c>__repairs/{topic}-{partition}-{time}/</c> in the data directory; committed offsets beyond the new
/// end are lowered to it, so consumer groups read what is appended next.
/// </para>
/// <para>The application must be stopped: a repair takes the data directory's lock; a dry run takes it shared and changes nothing.</para>
/// </remarks>
public static class LogRepair
{
    /// <summary>The directory of the data directory that keeps what repairs cut.</summary>
    public const string RepairsDirectoryName = "__repairs";

    /// <summary>Finds the first damage of a partition and, unless <paramref name="dryRun"/>, cuts the partition there.</summary>
    /// <param name="dataDirectory">The log's data directory.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">The partition number.</param>
    /// <param name="dryRun"><see langword="true"/> to report what would be cut and change nothing.</param>
    /// <param name="timeProvider">The clock that names the side directory; default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="DirectoryNotFoundException">The data directory or the partition's directory does not exist.</exception>
    /// <exception cref="LogDirectoryLockedException">The application (or another tool) has the data directory open.</exception>
    public static LogRepairResult Repair(string dataDirectory, string topic, int partition, bool dryRun, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        LogTopic.ValidateName(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        var root = Path.GetFullPath(dataDirectory);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Log directory '{root}' does not exist.");
        }

        var directory = LogTopic.PartitionDirectory(root, topic, partition);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Partition {topic}-{partition} has no directory '{directory}'.");
        }

        using var directoryLock = DirectoryLock.Acquire(root, shared: dryRun);
        var segments = LogPartition.FindSegments(directory).Select(baseOffset => (Path: Path.Combine(directory, SegmentFile.LogFileName(baseOffset)), BaseOffset: baseOffset)).ToList();
        var damage = FindFirstDamage(segments);
        if (damage is null)
        {
            return new LogRepairResult($"{topic}-{partition}", null, -1, null, 0, [], null, Applied: false);
        }

        var (index, position, problem) = damage.Value;
        var cutFile = segments[index].Path;
        var later = segments.Skip(index + 1).Select(s => s.Path).ToList();
        var bytesCut = new FileInfo(cutFile).Length - position + later.Sum(path => new FileInfo(path).Length);
        if (dryRun)
        {
            return new LogRepairResult($"{topic}-{partition}", cutFile, position, problem, bytesCut, later, null, Applied: false);
        }

        var time = (timeProvider ?? TimeProvider.System).GetUtcNow();
        var side = Path.Combine(root, RepairsDirectoryName, $"{topic}-{partition}-{time.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture)}");
        Directory.CreateDirectory(side);
        LogDirectory.Sync(Path.GetDirectoryName(side)!);
        LogDirectory.Sync(root);
        Cut(cutFile, position, Path.Combine(side, Path.GetFileName(cutFile) + $".from-byte-{position}"));
        foreach (var path in later)
        {
            // The whole later segment moves aside (its records sit after the cut, so they can no longer follow on).
            File.Move(path, Path.Combine(side, Path.GetFileName(path)));
        }

        foreach (var segment in segments.Skip(index))
        {
            File.Delete(Path.ChangeExtension(segment.Path, ".index"));
            File.Delete(Path.ChangeExtension(segment.Path, ".timeindex"));
        }

        LogDirectory.Sync(side);
        LogDirectory.Sync(directory);
        var newEnd = EndOffsetBefore(segments[index], position);
        LowerCommittedOffsets(root, topic, partition, newEnd);
        return new LogRepairResult($"{topic}-{partition}", cutFile, position, problem, bytesCut, later, side, Applied: true);
    }

    // Every batch of every segment, from the start: the first that is not whole, valid and contiguous is the damage.
    private static (int Segment, long Position, string Problem)? FindFirstDamage(List<(string Path, long BaseOffset)> segments)
    {
        var expected = segments.Count > 0 ? segments[0].BaseOffset : 0;
        for (var i = 0; i < segments.Count; i++)
        {
            if (i > 0 && segments[i].BaseOffset < expected)
            {
                return (i, 0, $"the segment starts at offset {segments[i].BaseOffset}, before the previous segment ends at {expected}.");
            }

            expected = Math.Max(expected, segments[i].BaseOffset);
            using var log = File.OpenHandle(segments[i].Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var length = RandomAccess.GetLength(log);
            byte[]? buffer = null;
            try
            {
                for (long position = 0; position < length;)
                {
                    var check = SegmentRecovery.ReadBatch(log, position, length - position, ref buffer, out var batch);
                    var problem = check.Status != RecordBatchStatus.Complete ? check.Problem ?? "the batch runs past the end of the file."
                        : batch.BaseOffset < expected ? $"the batch's base offset is {batch.BaseOffset}, but the previous batch ends before offset {expected}."
                        : null;
                    if (problem is not null)
                    {
                        return (i, position, problem);
                    }

                    expected = batch.LastOffset + 1;
                    position += check.Size;
                }
            }
            finally
            {
                SegmentRecovery.Return(buffer);
            }
        }

        return null;
    }

    private static void Cut(string file, long position, string keep)
    {
        using (var source = File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite))
        {
            using (var copy = File.OpenHandle(keep, FileMode.CreateNew, FileAccess.Write))
            {
                var buffer = new byte[1024 * 1024];
                long written = 0;
                int read;
                while ((read = RandomAccess.Read(source, buffer, position + written)) > 0)
                {
                    RandomAccess.Write(copy, buffer.AsSpan(0, read), written);
                    written += read;
                }

                RandomAccess.FlushToDisk(copy);
            }

            // The copy is on disk before a byte of the original goes.
            RandomAccess.SetLength(source, position);
            RandomAccess.FlushToDisk(source);
        }
    }

    private static long EndOffsetBefore((string Path, long BaseOffset) segment, long position)
    {
        using var log = File.OpenHandle(segment.Path, FileMode.Open, FileAccess.Read);
        var end = segment.BaseOffset;
        byte[]? buffer = null;
        try
        {
            for (long at = 0; at < position;)
            {
                var check = SegmentRecovery.ReadBatch(log, at, position - at, ref buffer, out var batch);
                end = batch.LastOffset + 1;
                at += check.Size;
            }
        }
        finally
        {
            SegmentRecovery.Return(buffer);
        }

        return end;
    }

    private static void LowerCommittedOffsets(string root, string topic, int partition, long end)
    {
        var groupsDirectory = Path.Combine(root, Groups.CommittedOffsetStore.DirectoryName);
        if (!Directory.Exists(groupsDirectory))
        {
            return;
        }

        using var store = Groups.CommittedOffsetStore.Open(groupsDirectory);
        foreach (var group in store.Groups())
        {
            if (store.Load(group).TryGetValue((topic, partition), out var committed) && committed > end)
            {
                store.Commit(group, new Dictionary<(string Topic, int Partition), long> { [(topic, partition)] = end });
            }
        }
    }
}

/// <summary>What <see cref="LogRepair.Repair"/> found and did.</summary>
/// <param name="Partition">The partition, as <c>topic-partition</c>.</param>
/// <param name="FileName">The segment cut, or <see langword="null"/> when the partition has no damage.</param>
/// <param name="Position">The byte where the cut starts: the first damaged batch; -1 when there is no damage.</param>
/// <param name="Problem">What is wrong at <paramref name="Position"/>.</param>
/// <param name="BytesCut">The bytes cut (or, in a dry run, to cut), later segments included.</param>
/// <param name="SegmentsRemoved">The later segments moved aside whole (or to move, in a dry run).</param>
/// <param name="SideDirectory">Where the cut bytes were kept, or <see langword="null"/> when nothing was cut.</param>
/// <param name="Applied">Whether the partition was changed: <see langword="false"/> for a dry run or an undamaged partition.</param>
public sealed record LogRepairResult(
    string Partition, string? FileName, long Position, string? Problem, long BytesCut, IReadOnlyList<string> SegmentsRemoved, string? SideDirectory, bool Applied)
{
    /// <summary>Gets a value indicating whether the partition had damage to cut.</summary>
    public bool FoundDamage => FileName is not null;
}
