using Herald.Log.Storage;

namespace Herald.Log;

// Key compaction: sealed segments are rewritten keeping, for every key, only its newest record in the partition.
public sealed partial class LogPartition
{
    private const string CompactionDirectoryName = ".compacting";

    // The visible end when compaction last ran; only the cleanup thread touches it.
    private long _compactedThrough = -1;

    private int Compact()
    {
        var segments = Volatile.Read(ref _segments);
        var (_, _, visibleEnd) = VisibleEnd;
        // Nothing appended since the last pass: nothing new can supersede a record, so there is nothing to read or write.
        if (segments.Length < 2 || visibleEnd == _compactedThrough)
        {
            return 0;
        }

        var (newest, dirty) = NewestOffsets(segments, visibleEnd);
        var rewritten = 0;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            // Only sealed segments holding a superseded record are rewritten; the others are not copied again.
            if (dirty[i] && CompactSegment(segments[i], newest))
            {
                rewritten++;
            }
        }

        _compactedThrough = visibleEnd;
        return rewritten;
    }

    private (Dictionary<byte[], long> Newest, bool[] Dirty) NewestOffsets(SegmentFile[] segments, long visibleEnd)
    {
        var newest = new Dictionary<byte[], long>(ByteArrayComparer.Instance);
        var dirty = new bool[segments.Length];
        using var reader = OpenReader(segments[0].BaseOffset);
        while (reader.Position < visibleEnd && reader.TryRead(out var records))
        {
            foreach (var record in records)
            {
                if (!record.HasKey || record.Offset >= visibleEnd)
                {
                    continue;
                }

                var key = record.Key.ToArray();
                if (newest.TryGetValue(key, out var superseded))
                {
                    dirty[SegmentIndexOf(segments, superseded)] = true;
                }

                newest[key] = record.Offset;
            }
        }

        return (newest, dirty);
    }

    private static int SegmentIndexOf(SegmentFile[] segments, long offset)
    {
        var index = segments.Length - 1;
        while (index > 0 && segments[index].BaseOffset > offset)
        {
            index--;
        }

        return index;
    }

    private bool CompactSegment(SegmentFile segment, Dictionary<byte[], long> newest)
    {
        var scratch = System.IO.Path.Combine(Directory, CompactionDirectoryName);
        if (System.IO.Directory.Exists(scratch))
        {
            System.IO.Directory.Delete(scratch, recursive: true);
        }

        System.IO.Directory.CreateDirectory(scratch);
        var removed = 0;
        using (var compacted = SegmentFile.Create(scratch, segment.BaseOffset, _options.IndexIntervalBytes))
        {
            var buffer = new byte[Math.Max(64 * 1024, (int)Math.Min(segment.Size, 16 * 1024 * 1024))];
            long position = 0;
            while (position < segment.Size)
            {
                var read = segment.Read(position, buffer);
                var check = RecordBatch.Read(buffer.AsSpan(0, read), out var batch);
                if (check.Status == RecordBatchStatus.Incomplete && check.Size > buffer.Length)
                {
                    buffer = new byte[check.Size];
                    continue;
                }

                if (check.Status != RecordBatchStatus.Complete)
                {
                    throw new LogCorruptedException(segment.LogPath, position, check.Problem ?? "the batch is cut short.");
                }

                removed += CopyNewest(batch, newest, compacted);
                position += check.Size;
            }

            if (removed == 0)
            {
                return false;
            }

            compacted.Seal();
        }

        Replace(segment, scratch);
        return true;
    }

    private static int CopyNewest(RecordBatch batch, Dictionary<byte[], long> newest, SegmentFile compacted)
    {
        var kept = new List<(LogRecord Record, int OffsetDelta)>(batch.Count);
        var removed = 0;
        // Kept records are copied out, so a compressed batch's pooled buffer goes back when the batch is done.
        using (var decompressed = new DecompressedBatches())
        {
            var records = batch.GetRecords(decompressed);
            while (records.MoveNext())
            {
                var record = records.Current;
                if (record.HasKey && newest.TryGetValue(record.Key.ToArray(), out var latest) && latest != record.Offset)
                {
                    removed++;
                    continue;
                }

                kept.Add((Detach(record), (int)(record.Offset - batch.BaseOffset)));
            }
        }

        // The batch keeps its base offset and last offset delta even when empty, so offsets stay contiguous batch to batch.
        // Records are written back uncompressed; the producer fields stay, as Kafka keeps them for its producer state.
        var bytes = RecordBatchEncoder.EncodeSparse(batch.BaseOffset, batch.LastOffsetDelta, batch.BaseTimestamp, batch.MaxTimestamp, kept, new BatchProducer(batch));
        compacted.Append(bytes, batch.BaseOffset, batch.LastOffsetDelta + 1);
        return removed;
    }

    private static LogRecord Detach(RecordView record)
    {
        var headers = new RecordHeader[record.HeaderCount];
        var i = 0;
        foreach (var header in record.Headers)
        {
            headers[i++] = new RecordHeader(header.GetKeyString(), header.HasValue ? header.Value.ToArray() : (ReadOnlyMemory<byte>?)null);
        }

        return new LogRecord(
            record.Timestamp,
            record.HasKey ? record.Key.ToArray() : (ReadOnlyMemory<byte>?)null,
            record.HasValue ? record.Value.ToArray() : (ReadOnlyMemory<byte>?)null,
            headers);
    }

    private void Replace(SegmentFile segment, string scratch)
    {
        // The old indexes go first: a crash between the moves leaves a log without indexes, which opening rebuilds.
        var baseOffset = segment.BaseOffset;
        File.Delete(segment.IndexPath);
        File.Delete(System.IO.Path.Combine(Directory, SegmentFile.TimeIndexFileName(baseOffset)));
        File.Move(System.IO.Path.Combine(scratch, SegmentFile.LogFileName(baseOffset)), segment.LogPath, overwrite: true);
        File.Move(System.IO.Path.Combine(scratch, SegmentFile.IndexFileName(baseOffset)), segment.IndexPath, overwrite: true);
        File.Move(System.IO.Path.Combine(scratch, SegmentFile.TimeIndexFileName(baseOffset)), System.IO.Path.Combine(Directory, SegmentFile.TimeIndexFileName(baseOffset)), overwrite: true);
        LogDirectory.Sync(Directory);
        System.IO.Directory.Delete(scratch, recursive: true);
        var reopened = SegmentFile.Open(Directory, baseOffset, isLastSegment: false, out _, _options.IndexIntervalBytes);
        lock (_segmentLock)
        {
            var segments = _segments;
            var index = Array.IndexOf(segments, segment);
            var replaced = (SegmentFile[])segments.Clone();
            replaced[index] = reopened;
            Volatile.Write(ref _segments, replaced);
        }

        segment.Dispose();
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = default(HashCode);
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
