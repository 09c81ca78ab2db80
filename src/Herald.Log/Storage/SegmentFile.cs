using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Storage;

/// <summary>One segment of a partition: a <c>.log</c> file of consecutive RecordBatch v2 batches, its sparse <c>.index</c> and its <c>.timeindex</c>.</summary>
/// <remarks>
/// <para>
/// Files are named after the segment's base offset: <c>{baseOffset:D20}.log</c>, <c>.index</c> and <c>.timeindex</c>. A
/// batch gets an <see cref="OffsetIndex"/> entry when at least <see cref="IndexIntervalBytes"/> of log were written since
/// the previous entry (the first batch, at position 0, never needs one), and a <see cref="TimeIndex"/> entry beside it when
/// the segment's max timestamp grew since the previous time-index entry. Both indexes are hints rebuilt on open: entries
/// past the valid log are dropped.
/// </para>
/// <para>
/// Opening the last (active) segment re-validates every batch from position 0 by length, magic, CRC, leader epoch and
/// contiguous base offsets, so damage anywhere in it is found. Opening a sealed segment is cheaper: it re-validates from
/// the newest offset-index entry with a time-index entry beside it, which gives the max timestamp of the batches before
/// (normally the last entry; where the max stopped growing, the entry where it last grew; position 0 without one). It
/// trusts the batches before that point, validated while the segment was active and flushed when it was sealed: damage
/// there surfaces when they are read. An index entry the log contradicts sends it back to position 0.
/// </para>
/// <para>
/// Only the active segment can hold a torn write, and only of its last commit group (the batches written since the last
/// fsync, each stamped by <see cref="CommitGroup"/>): at the first bytes that are not a whole valid batch, recovery cuts
/// the file when no whole batch follows them, or only whole batches of a group that started at or before them
/// (<see cref="SegmentRecovery.FindDamageAfter"/>); otherwise, and for anything not whole in a sealed segment, it throws
/// <see cref="LogCorruptedException"/>, because the bytes had been fsynced and may hold acknowledged data that must never be
/// dropped silently. A whole batch whose CRC holds but whose base offset or leader epoch (outside the CRC) is wrong is
/// damage too: no torn write produces it. Opened read-only, a torn tail is reported but left in place.
/// </para>
/// <para>Not thread-safe: one writer per partition owns the segment.</para>
/// </remarks>
internal sealed class SegmentFile : IDisposable
{
    // Over 300 lines because appending, lookups and recovery all move the same private state (size, next offset, max
    // timestamp, the index interval count); the index files, the tail rule and the damage search live in OffsetIndex,
    // TimeIndex and SegmentRecovery.
    /// <summary>The default log bytes between two index entries.</summary>
    public const int DefaultIndexIntervalBytes = 4096;

    private const int HeaderPeekSize = MaxTimestampPosition + sizeof(long);

    private readonly SafeFileHandle _log;
    private readonly OffsetIndex _offsetIndex;
    private readonly TimeIndex _timeIndex;
    private readonly bool _readOnly;
    private int _bytesSinceIndexEntry;
    private bool _writable;

    private SegmentFile(string logPath, SafeFileHandle log, OffsetIndex offsetIndex, TimeIndex timeIndex, long baseOffset, int indexIntervalBytes, bool writable, bool readOnly)
    {
        _readOnly = readOnly;
        LogPath = logPath;
        _log = log;
        _offsetIndex = offsetIndex;
        _timeIndex = timeIndex;
        BaseOffset = baseOffset;
        NextOffset = baseOffset;
        IndexIntervalBytes = indexIntervalBytes;
        _writable = writable;
    }

    /// <summary>Gets or sets the observer told, after every fsync of a log file, its path and the size that reached the disk.</summary>
    /// <remarks>For the crash tests' simulated power cuts, which keep what was fsynced and only some of the rest.</remarks>
    internal static Action<string, long>? Synced { get; set; }

    /// <summary>Gets the offset of the segment's first record.</summary>
    public long BaseOffset { get; }

    /// <summary>Gets the offset the next appended record will take.</summary>
    public long NextOffset { get; private set; }

    /// <summary>Gets the log file's size in bytes.</summary>
    public long Size { get; private set; }

    /// <summary>Gets the largest record timestamp in the segment (Unix epoch milliseconds, from each batch header), or -1 when it is empty.</summary>
    public long MaxTimestamp { get; private set; } = TimeIndex.NoTimestamp;

    /// <summary>Gets the log bytes between two index entries.</summary>
    public int IndexIntervalBytes { get; }

    /// <summary>Gets a value indicating whether <see cref="Append"/> throws: the segment was sealed or opened as sealed.</summary>
    public bool IsSealed => !_writable;

    /// <summary>Gets the path of the log file.</summary>
    public string LogPath { get; }

    /// <summary>Gets the path of the offset index file.</summary>
    public string IndexPath => _offsetIndex.Path;

    /// <summary>Gets the path of the time index file.</summary>
    public string TimeIndexPath => _timeIndex.Path;

    /// <summary>Gets the number of entries in the sparse offset index.</summary>
    public int IndexEntryCount => _offsetIndex.Count;

    /// <summary>Gets the number of entries in the sparse time index.</summary>
    public int TimeIndexEntryCount => _timeIndex.Count;

    /// <summary>Returns the log file name of the segment starting at <paramref name="baseOffset"/>.</summary>
    public static string LogFileName(long baseOffset) => FileName(baseOffset, ".log");

    /// <summary>Returns the offset index file name of the segment starting at <paramref name="baseOffset"/>.</summary>
    public static string IndexFileName(long baseOffset) => FileName(baseOffset, ".index");

    /// <summary>Returns the time index file name of the segment starting at <paramref name="baseOffset"/>.</summary>
    public static string TimeIndexFileName(long baseOffset) => FileName(baseOffset, ".timeindex");

    /// <summary>Creates a new, empty segment; its log file must not exist yet, and stale index files are emptied.</summary>
    /// <exception cref="IOException">The log file exists, or a file cannot be created.</exception>
    public static SegmentFile Create(string directory, long baseOffset, int indexIntervalBytes = DefaultIndexIntervalBytes)
    {
        Validate(directory, baseOffset, indexIntervalBytes);
        var log = File.OpenHandle(Path.Combine(directory, LogFileName(baseOffset)), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        return Assemble(directory, baseOffset, indexIntervalBytes, log, FileMode.Create, writable: true, readOnly: false);
    }

    /// <summary>Opens an existing segment and re-validates it: all of it when it is the last segment, otherwise from its last indexed batch.</summary>
    /// <param name="directory">The partition directory.</param>
    /// <param name="baseOffset">The segment's base offset, as its file name says.</param>
    /// <param name="isLastSegment"><see langword="true"/> for the active segment, whose torn tail is cut; <see langword="false"/> for a sealed one, which must be whole.</param>
    /// <param name="recovery">What recovery found: the truncated byte count to log.</param>
    /// <param name="indexIntervalBytes">The log bytes between two index entries.</param>
    /// <param name="readOnly">
    /// <see langword="true"/> to change no byte on disk: a torn tail is left in place (and reported, its bytes beyond
    /// <see cref="Size"/>), indexes are rebuilt in memory only, and the segment takes no appends.
    /// </param>
    /// <exception cref="LogCorruptedException">The segment holds corruption that a torn tail cannot explain.</exception>
    public static SegmentFile Open(string directory, long baseOffset, bool isLastSegment, out SegmentRecovery recovery, int indexIntervalBytes = DefaultIndexIntervalBytes, bool readOnly = false)
    {
        Validate(directory, baseOffset, indexIntervalBytes);
        var logPath = Path.Combine(directory, LogFileName(baseOffset));
        var access = isLastSegment && !readOnly ? FileAccess.ReadWrite : FileAccess.Read;
        var log = File.OpenHandle(logPath, FileMode.Open, access, readOnly ? FileShare.ReadWrite : FileShare.Read);
        var segment = Assemble(directory, baseOffset, indexIntervalBytes, log, FileMode.OpenOrCreate, writable: isLastSegment && !readOnly, readOnly);
        try
        {
            recovery = segment.Recover(isLastSegment);
            return segment;
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <summary>Writes one encoded batch at the end of the log and indexes it when due.</summary>
    /// <param name="encodedBatch">A whole RecordBatch v2 whose base offset is <see cref="NextOffset"/>.</param>
    /// <param name="baseOffset">The batch's base offset; must equal <see cref="NextOffset"/>.</param>
    /// <param name="recordCount">The batch's record count (its last offset delta plus one).</param>
    /// <exception cref="ArgumentException">The batch does not match <paramref name="baseOffset"/> or <paramref name="recordCount"/>, or is not contiguous.</exception>
    /// <exception cref="InvalidOperationException">The segment is sealed, or would outgrow int32 file positions.</exception>
    public void Append(ReadOnlySpan<byte> encodedBatch, long baseOffset, int recordCount)
    {
        if (encodedBatch.Length < RecordsPosition || BinaryPrimitives.ReadInt32BigEndian(encodedBatch[BatchLengthPosition..]) != encodedBatch.Length - LogOverhead)
        {
            throw new ArgumentException("The bytes are not exactly one RecordBatch.", nameof(encodedBatch));
        }

        if (baseOffset != NextOffset || BinaryPrimitives.ReadInt64BigEndian(encodedBatch[BaseOffsetPosition..]) != baseOffset)
        {
            throw new ArgumentException($"The batch must start at offset {NextOffset}; it says {BinaryPrimitives.ReadInt64BigEndian(encodedBatch[BaseOffsetPosition..])} and the caller {baseOffset}.", nameof(baseOffset));
        }

        if (recordCount <= 0 || BinaryPrimitives.ReadInt32BigEndian(encodedBatch[LastOffsetDeltaPosition..]) != recordCount - 1)
        {
            throw new ArgumentException($"The batch's last offset delta does not match {recordCount} records.", nameof(recordCount));
        }

        if (!_writable)
        {
            throw new InvalidOperationException($"Segment '{LogPath}' is sealed: append to the partition's active segment instead.");
        }

        if (Size + encodedBatch.Length > int.MaxValue || NextOffset + recordCount - BaseOffset > int.MaxValue)
        {
            throw new InvalidOperationException($"Segment '{LogPath}' is full: its positions and relative offsets must fit in int32.");
        }

        var position = Size;
        RandomAccess.Write(_log, encodedBatch, position);
        Size = position + encodedBatch.Length;
        NextOffset = baseOffset + recordCount;
        Track(baseOffset, (int)position, encodedBatch.Length, BinaryPrimitives.ReadInt64BigEndian(encodedBatch[MaxTimestampPosition..]));
        _offsetIndex.Save();
        _timeIndex.Save();
    }

    /// <summary>Flushes the log file to disk: all that durability needs, since the indexes are hints that opening rebuilds.</summary>
    /// <remarks>A flush failure is fatal for the log: callers must not retry it, since the kernel may have dropped the dirty pages.</remarks>
    public void Flush()
    {
        RandomAccess.FlushToDisk(_log);
        Synced?.Invoke(LogPath, Size);
    }

    /// <summary>Flushes the log and both index files, so that a clean reopen finds the indexes whole.</summary>
    public void FlushAll()
    {
        Flush();
        _offsetIndex.Flush();
        _timeIndex.Flush();
    }

    /// <summary>Flushes the segment and makes it read-only: from then on <see cref="Append"/> throws.</summary>
    /// <remarks>Idempotent; a segment opened as sealed is not flushed again.</remarks>
    public void Seal()
    {
        if (_writable)
        {
            FlushAll();
            _writable = false;
        }
    }

    /// <summary>Closes the segment and deletes its log and index files.</summary>
    /// <remarks>The indexes go first: a crash part-way leaves the whole log, whose indexes the next open rebuilds, or nothing.</remarks>
    public void Delete()
    {
        Dispose();
        File.Delete(_timeIndex.Path);
        File.Delete(_offsetIndex.Path);
        File.Delete(LogPath);
    }

    /// <summary>Returns the log file position of the batch that holds <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is not in this segment.</exception>
    public long FindPosition(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(offset, BaseOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(offset, NextOffset);
        var position = _offsetIndex.FindPosition((int)(offset - BaseOffset));
        Span<byte> header = stackalloc byte[HeaderPeekSize];
        while (position < Size && RandomAccess.Read(_log, header, position) == HeaderPeekSize)
        {
            var lastOffset = BinaryPrimitives.ReadInt64BigEndian(header[BaseOffsetPosition..]) + BinaryPrimitives.ReadInt32BigEndian(header[LastOffsetDeltaPosition..]);
            if (offset <= lastOffset)
            {
                return position;
            }

            position = NextBatch(header, position);
        }

        throw new LogCorruptedException(LogPath, position, $"no batch holds offset {offset}, which is below the segment's next offset {NextOffset}.");
    }

    /// <summary>Returns the base offset of the first batch whose max timestamp is at or after <paramref name="timestampMs"/>, or <see langword="null"/> when none is.</summary>
    /// <remarks>
    /// Timestamps may arrive out of order, so records in that batch and later ones can be older than
    /// <paramref name="timestampMs"/>: callers filter records. The time index skips batches known to be older; batch
    /// headers are read from there.
    /// </remarks>
    /// <param name="timestampMs">The timestamp sought, in Unix epoch milliseconds.</param>
    public long? FindOffsetByTimestamp(long timestampMs)
    {
        if (timestampMs > MaxTimestamp)
        {
            return null;
        }

        var position = _offsetIndex.FindPosition(_timeIndex.FindStartOffset(timestampMs));
        Span<byte> header = stackalloc byte[HeaderPeekSize];
        while (position < Size && RandomAccess.Read(_log, header, position) == HeaderPeekSize)
        {
            if (BinaryPrimitives.ReadInt64BigEndian(header[MaxTimestampPosition..]) >= timestampMs)
            {
                return BinaryPrimitives.ReadInt64BigEndian(header[BaseOffsetPosition..]);
            }

            position = NextBatch(header, position);
        }

        return null;
    }

    /// <summary>Reads log bytes at <paramref name="position"/> into <paramref name="buffer"/> and returns how many were read.</summary>
    public int Read(long position, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        return position >= Size ? 0 : RandomAccess.Read(_log, buffer[..(int)Math.Min(buffer.Length, Size - position)], position);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _timeIndex.Dispose();
        _offsetIndex.Dispose();
        _log.Dispose();
    }

    // Sealed segments are trusted up to their last index entry, so a walk over headers checks each length: one that does
    // not move forward, or runs past the file, would otherwise loop for ever or read beyond the data.
    private long NextBatch(ReadOnlySpan<byte> header, long position)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(header[BatchLengthPosition..]);
        if (length < MinimumBatchLength || position + LogOverhead + length > Size)
        {
            throw new LogCorruptedException(LogPath, position, $"batch length {length} is impossible here: a batch takes at least {MinimumBatchLength} bytes after its length field and ends by the end of the file ({Size} bytes).");
        }

        return position + LogOverhead + length;
    }

    private static string FileName(long baseOffset, string extension) => baseOffset.ToString("D20", CultureInfo.InvariantCulture) + extension;

    private static void Validate(string directory, long baseOffset, int indexIntervalBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegative(baseOffset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(indexIntervalBytes);
    }

    private static SegmentFile Assemble(string directory, long baseOffset, int indexIntervalBytes, SafeFileHandle log, FileMode indexMode, bool writable, bool readOnly)
    {
        OffsetIndex? offsetIndex = null;
        try
        {
            offsetIndex = new OffsetIndex(Path.Combine(directory, IndexFileName(baseOffset)), indexMode, readOnly);
            var timeIndex = new TimeIndex(Path.Combine(directory, TimeIndexFileName(baseOffset)), indexMode, readOnly);
            return new SegmentFile(Path.Combine(directory, LogFileName(baseOffset)), log, offsetIndex, timeIndex, baseOffset, indexIntervalBytes, writable, readOnly);
        }
        catch
        {
            offsetIndex?.Dispose();
            log.Dispose();
            throw;
        }
    }

    private void Track(long batchBaseOffset, int position, int batchSize, long batchMaxTimestamp)
    {
        if (_bytesSinceIndexEntry >= IndexIntervalBytes)
        {
            var relative = (int)(batchBaseOffset - BaseOffset);
            _offsetIndex.Add(relative, position);
            _timeIndex.Track(MaxTimestamp, relative);
            _bytesSinceIndexEntry = 0;
        }

        _bytesSinceIndexEntry += batchSize;
        MaxTimestamp = Math.Max(MaxTimestamp, batchMaxTimestamp);
    }

    private SegmentRecovery Recover(bool isLastSegment)
    {
        var fileLength = RandomAccess.GetLength(_log);
        _offsetIndex.Load(fileLength);
        _timeIndex.Load(fileLength);
        if (isLastSegment)
        {
            return Scan(-1, isLastSegment, fileLength);
        }

        var resume = FindResumeEntry();
        try
        {
            return Scan(resume, isLastSegment, fileLength);
        }
        catch (LogCorruptedException) when (resume >= 0)
        {
            // The hint pointed where the log disagrees: distrust both indexes and validate the whole segment.
            return Scan(-1, isLastSegment, fileLength);
        }
    }

    // Resuming at an offset-index entry needs the max timestamp of the batches before it, which a time-index entry at the
    // same offset gives: keep the time entries the offset index confirms and resume at the newest.
    private int FindResumeEntry()
    {
        var confirmed = 0;
        while (confirmed < _timeIndex.Count && _offsetIndex.IndexOf(_timeIndex[confirmed].RelativeOffset) >= 0)
        {
            confirmed++;
        }

        _timeIndex.Rewind(confirmed);
        return confirmed == 0 ? -1 : _offsetIndex.IndexOf(_timeIndex[confirmed - 1].RelativeOffset);
    }

    private SegmentRecovery Scan(int resumeEntry, bool isLastSegment, long fileLength)
    {
        long position = 0;
        var expected = BaseOffset;
        MaxTimestamp = TimeIndex.NoTimestamp;
        if (resumeEntry >= 0)
        {
            (var relative, var entryPosition) = _offsetIndex[resumeEntry];
            (position, expected, MaxTimestamp) = (entryPosition, BaseOffset + relative, _timeIndex.LastTimestamp);
        }

        _offsetIndex.Rewind(resumeEntry + 1);
        _timeIndex.Rewind(resumeEntry < 0 ? 0 : _timeIndex.Count);
        _bytesSinceIndexEntry = 0;
        byte[]? buffer = null;
        try
        {
            while (position < fileLength)
            {
                var check = SegmentRecovery.ReadBatch(_log, position, fileLength - position, ref buffer, out var batch);
                string? stale = null;
                if (check.Status == RecordBatchStatus.Complete)
                {
                    if (position + check.Size > int.MaxValue)
                    {
                        throw new LogCorruptedException(LogPath, position, "the segment is larger than int32 file positions allow.");
                    }

                    stale = batch.BaseOffset != expected ? $"the batch's base offset is {batch.BaseOffset}, but the previous batch ends before offset {expected}."
                        : batch.PartitionLeaderEpoch < None ? $"the batch's partition leader epoch is {batch.PartitionLeaderEpoch}; Kafka's are {None} (none) or at least 0."
                        : null;
                    if (stale is null || !(batch.BaseOffset == 0 && expected > 0 && isLastSegment))
                    {
                        if (stale is not null)
                        {
                            throw new LogCorruptedException(LogPath, position, stale);
                        }

                        Track(batch.BaseOffset, (int)position, check.Size, batch.MaxTimestamp);
                        expected = batch.LastOffset + 1;
                        position += check.Size;
                        continue;
                    }

                    // The base offset lies before the CRC's range: a torn write can leave the batch's first bytes as the
                    // zeros of a page written before the batch was, while the rest passes its CRC. In the last segment
                    // that is a torn tail like any other, judged below by what follows it; any other wrong base offset
                    // (a flipped bit) is damage.
                }

                var problem = stale ?? check.Problem ?? (check.Size == 0
                    ? $"only {fileLength - position} bytes remain before the end of the file, fewer than a batch's {LogOverhead}-byte log overhead."
                    : $"the batch needs {check.Size} bytes but only {fileLength - position} remain before the end of the file.");
                if (!isLastSegment)
                {
                    throw new LogCorruptedException(LogPath, position, problem + " A sealed segment was fsynced whole, so this is no torn write.");
                }

                if (SegmentRecovery.FindDamageAfter(_log, position, fileLength, expected) is { } damage)
                {
                    throw new LogCorruptedException(LogPath, position, $"{problem} After it, {damage}");
                }

                if (!_readOnly)
                {
                    RandomAccess.SetLength(_log, position);
                }

                return Finish(position, expected, new SegmentRecovery(position, fileLength - position, problem));
            }
        }
        finally
        {
            SegmentRecovery.Return(buffer);
        }

        return Finish(fileLength, expected, new SegmentRecovery(fileLength, 0, null));
    }

    private SegmentRecovery Finish(long size, long nextOffset, SegmentRecovery recovery)
    {
        Size = size;
        NextOffset = nextOffset;
        _offsetIndex.Save();
        _timeIndex.Save();
        return recovery;
    }
}
