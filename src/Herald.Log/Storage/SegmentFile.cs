using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Storage;

/// <summary>One segment of a partition: a <c>.log</c> file of consecutive RecordBatch v2 batches and its sparse <c>.index</c>.</summary>
/// <remarks>
/// <para>
/// Files are named after the segment's base offset, <c>{baseOffset:D20}.log</c> and <c>{baseOffset:D20}.index</c>. The
/// index holds big-endian pairs of (offset relative to the base: int32, log file position: int32); a batch gets an entry
/// when at least <see cref="IndexIntervalBytes"/> of log were written since the previous entry, and the first batch,
/// at position 0, never needs one. The index is a hint rebuilt on open: entries past the valid log are dropped.
/// </para>
/// <para>
/// Opening re-validates every batch from the last index entry (or from 0) by length, magic, CRC and contiguous base
/// offsets. In the last (active) segment, the tail may be torn by a crash, and the tail is defined as the last batch
/// only: a batch that runs past the end of the file, a corrupt batch whose declared length ends exactly at the end of
/// the file, or zero fill up to the end of the file is cut off and reported in <see cref="SegmentRecovery"/>. Anything
/// else that is not a whole valid batch, in any segment, throws <see cref="LogCorruptedException"/>, because a whole
/// valid batch after it may hold acknowledged data that must never be dropped silently. A corrupt final batch whose
/// length field itself was damaged to a smaller value therefore refuses to open too: that is the safe side.
/// </para>
/// <para>Not thread-safe: one writer per partition owns the segment.</para>
/// </remarks>
internal sealed class SegmentFile : IDisposable
{
    /// <summary>The default log bytes between two index entries.</summary>
    public const int DefaultIndexIntervalBytes = 4096;

    private const int IndexEntrySize = 8;
    private const int HeaderPeekSize = LastOffsetDeltaPosition + sizeof(int);

    private readonly SafeFileHandle _log;
    private readonly SafeFileHandle _index;
    private readonly List<(int RelativeOffset, int Position)> _entries = [];
    private int _bytesSinceIndexEntry;
    private bool _writable = true;

    private SegmentFile(string logPath, string indexPath, SafeFileHandle log, SafeFileHandle index, long baseOffset, int indexIntervalBytes)
    {
        LogPath = logPath;
        IndexPath = indexPath;
        _log = log;
        _index = index;
        BaseOffset = baseOffset;
        NextOffset = baseOffset;
        IndexIntervalBytes = indexIntervalBytes;
    }

    /// <summary>Gets the offset of the segment's first record.</summary>
    public long BaseOffset { get; }

    /// <summary>Gets the offset the next appended record will take.</summary>
    public long NextOffset { get; private set; }

    /// <summary>Gets the log file's size in bytes.</summary>
    public long Size { get; private set; }

    /// <summary>Gets the log bytes between two index entries.</summary>
    public int IndexIntervalBytes { get; }

    /// <summary>Gets the path of the log file.</summary>
    public string LogPath { get; }

    /// <summary>Gets the path of the index file.</summary>
    public string IndexPath { get; }

    /// <summary>Gets the number of entries in the sparse index.</summary>
    public int IndexEntryCount => _entries.Count;

    /// <summary>Returns the log file name of the segment starting at <paramref name="baseOffset"/>.</summary>
    public static string LogFileName(long baseOffset) => baseOffset.ToString("D20", CultureInfo.InvariantCulture) + ".log";

    /// <summary>Returns the index file name of the segment starting at <paramref name="baseOffset"/>.</summary>
    public static string IndexFileName(long baseOffset) => baseOffset.ToString("D20", CultureInfo.InvariantCulture) + ".index";

    /// <summary>Creates a new, empty segment; its files must not exist yet.</summary>
    /// <exception cref="IOException">The files exist or cannot be created.</exception>
    public static SegmentFile Create(string directory, long baseOffset, int indexIntervalBytes = DefaultIndexIntervalBytes)
    {
        Validate(directory, baseOffset, indexIntervalBytes);
        var logPath = Path.Combine(directory, LogFileName(baseOffset));
        var indexPath = Path.Combine(directory, IndexFileName(baseOffset));
        var log = File.OpenHandle(logPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var index = File.OpenHandle(indexPath, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
            return new SegmentFile(logPath, indexPath, log, index, baseOffset, indexIntervalBytes);
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing segment and re-validates it from its last index entry.</summary>
    /// <param name="directory">The partition directory.</param>
    /// <param name="baseOffset">The segment's base offset, as its file name says.</param>
    /// <param name="isLastSegment"><see langword="true"/> for the active segment, whose torn tail is cut; <see langword="false"/> for a sealed one, which must be whole.</param>
    /// <param name="recovery">What recovery found: the truncated byte count to log.</param>
    /// <param name="indexIntervalBytes">The log bytes between two index entries.</param>
    /// <exception cref="LogCorruptedException">The segment holds corruption that a torn tail cannot explain.</exception>
    public static SegmentFile Open(string directory, long baseOffset, bool isLastSegment, out SegmentRecovery recovery, int indexIntervalBytes = DefaultIndexIntervalBytes)
    {
        Validate(directory, baseOffset, indexIntervalBytes);
        var logPath = Path.Combine(directory, LogFileName(baseOffset));
        var indexPath = Path.Combine(directory, IndexFileName(baseOffset));
        var log = File.OpenHandle(logPath, FileMode.Open, isLastSegment ? FileAccess.ReadWrite : FileAccess.Read, FileShare.Read);
        SafeFileHandle? index = null;
        try
        {
            index = File.OpenHandle(indexPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            var segment = new SegmentFile(logPath, indexPath, log, index, baseOffset, indexIntervalBytes) { _writable = isLastSegment };
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
        catch
        {
            index?.Dispose();
            log.Dispose();
            throw;
        }
    }

    /// <summary>Writes one encoded batch at the end of the log and indexes it when due.</summary>
    /// <param name="encodedBatch">A whole RecordBatch v2 whose base offset is <see cref="NextOffset"/>.</param>
    /// <param name="baseOffset">The batch's base offset; must equal <see cref="NextOffset"/>.</param>
    /// <param name="recordCount">The batch's record count (its last offset delta plus one).</param>
    /// <exception cref="ArgumentException">The batch does not match <paramref name="baseOffset"/> or <paramref name="recordCount"/>, or is not contiguous.</exception>
    /// <exception cref="InvalidOperationException">The segment would outgrow int32 file positions.</exception>
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
            throw new InvalidOperationException($"Segment '{LogPath}' is sealed: it was opened read-only.");
        }

        if (Size + encodedBatch.Length > int.MaxValue || NextOffset + recordCount - BaseOffset > int.MaxValue)
        {
            throw new InvalidOperationException($"Segment '{LogPath}' is full: its positions and relative offsets must fit in int32.");
        }

        var position = Size;
        RandomAccess.Write(_log, encodedBatch, position);
        Size = position + encodedBatch.Length;
        NextOffset = baseOffset + recordCount;
        Track(baseOffset, (int)position, encodedBatch.Length);
    }

    /// <summary>Flushes the log and index files to disk.</summary>
    /// <remarks>A flush failure is fatal for the log: callers must not retry it, since the kernel may have dropped the dirty pages.</remarks>
    public void Flush()
    {
        RandomAccess.FlushToDisk(_log);
        RandomAccess.FlushToDisk(_index);
    }

    /// <summary>Returns the log file position of the batch that holds <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is not in this segment.</exception>
    public long FindPosition(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(offset, BaseOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(offset, NextOffset);
        var relative = (int)(offset - BaseOffset);
        long position = 0;
        int low = 0, high = _entries.Count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (_entries[middle].RelativeOffset <= relative)
            {
                position = _entries[middle].Position;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        Span<byte> header = stackalloc byte[HeaderPeekSize];
        while (position < Size)
        {
            if (RandomAccess.Read(_log, header, position) < HeaderPeekSize)
            {
                break;
            }

            var lastOffset = BinaryPrimitives.ReadInt64BigEndian(header[BaseOffsetPosition..]) + BinaryPrimitives.ReadInt32BigEndian(header[LastOffsetDeltaPosition..]);
            if (offset <= lastOffset)
            {
                return position;
            }

            position += LogOverhead + BinaryPrimitives.ReadInt32BigEndian(header[BatchLengthPosition..]);
        }

        throw new LogCorruptedException(LogPath, position, $"no batch holds offset {offset}, which is below the segment's next offset {NextOffset}.");
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
        _index.Dispose();
        _log.Dispose();
    }

    private static void Validate(string directory, long baseOffset, int indexIntervalBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegative(baseOffset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(indexIntervalBytes);
    }

    private void Track(long batchBaseOffset, int position, int batchSize)
    {
        if (_bytesSinceIndexEntry >= IndexIntervalBytes)
        {
            var relative = (int)(batchBaseOffset - BaseOffset);
            _entries.Add((relative, position));
            Span<byte> entry = stackalloc byte[IndexEntrySize];
            BinaryPrimitives.WriteInt32BigEndian(entry, relative);
            BinaryPrimitives.WriteInt32BigEndian(entry[sizeof(int)..], position);
            RandomAccess.Write(_index, entry, (long)(_entries.Count - 1) * IndexEntrySize);

            _bytesSinceIndexEntry = 0;
        }

        _bytesSinceIndexEntry += batchSize;
    }

    private SegmentRecovery Recover(bool isLastSegment)
    {
        var fileLength = RandomAccess.GetLength(_log);
        LoadIndex(fileLength);
        long position = 0;
        var expected = BaseOffset;
        if (_entries.Count > 0)
        {
            (var relative, var entryPosition) = _entries[^1];
            position = entryPosition;
            expected = BaseOffset + relative;
        }

        byte[]? buffer = null;
        try
        {
            while (position < fileLength)
            {
                var remaining = fileLength - position;
                var length = (int)Math.Min(remaining, LogOverhead);
                buffer = Ensure(buffer, length);
                var read = RandomAccess.Read(_log, buffer.AsSpan(0, length), position);
                var check = RecordBatch.Read(buffer.AsSpan(0, read), out _);
                if (check.Status == RecordBatchStatus.Incomplete && check.Size > 0 && check.Size <= remaining)
                {
                    buffer = Ensure(buffer, check.Size);
                    read = RandomAccess.Read(_log, buffer.AsSpan(0, check.Size), position);
                    check = RecordBatch.Read(buffer.AsSpan(0, read), out var batch);
                    if (check.Status == RecordBatchStatus.Complete)
                    {
                        if (batch.BaseOffset != expected)
                        {
                            throw new LogCorruptedException(LogPath, position, $"the batch's base offset is {batch.BaseOffset}, but the previous batch ends before offset {expected}.");
                        }

                        expected = batch.LastOffset + 1;
                        if (position + check.Size > int.MaxValue)
                        {
                            throw new LogCorruptedException(LogPath, position, "the segment is larger than int32 file positions allow.");
                        }

                        Track(batch.BaseOffset, (int)position, check.Size);
                        position += check.Size;
                        continue;
                    }
                }

                var problem = check.Problem ?? (check.Size == 0
                    ? $"only {remaining} bytes remain before the end of the file, fewer than a batch's {LogOverhead}-byte log overhead."
                    : $"the batch needs {check.Size} bytes but only {remaining} remain before the end of the file.");
                if (isLastSegment && IsTornTail(check, position, fileLength))
                {
                    RandomAccess.SetLength(_log, position);
                    FinishRecovery(position, expected);
                    return new SegmentRecovery(position, fileLength - position, problem);
                }

                throw new LogCorruptedException(LogPath, position, problem);
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        FinishRecovery(fileLength, expected);
        return new SegmentRecovery(fileLength, 0, null);
    }

    private void FinishRecovery(long size, long nextOffset)
    {
        Size = size;
        NextOffset = nextOffset;
        _entries.RemoveAll(entry => entry.Position >= size);
        if (RandomAccess.GetLength(_index) != (long)_entries.Count * IndexEntrySize)
        {
            RandomAccess.SetLength(_index, (long)_entries.Count * IndexEntrySize);
        }
    }

    private bool IsTornTail(RecordBatchCheck check, long position, long fileLength) => check.Status switch
    {
        RecordBatchStatus.Incomplete => true,
        RecordBatchStatus.Corrupt when check.Size > 0 && position + check.Size == fileLength => true,
        RecordBatchStatus.Corrupt => IsZeroFilled(position, fileLength),
        _ => false,
    };

    private bool IsZeroFilled(long position, long fileLength)
    {
        Span<byte> chunk = stackalloc byte[512];
        while (position < fileLength)
        {
            var read = RandomAccess.Read(_log, chunk[..(int)Math.Min(chunk.Length, fileLength - position)], position);
            if (read == 0)
            {
                break;
            }

            if (chunk[..read].ContainsAnyExcept((byte)0))
            {
                return false;
            }

            position += read;
        }

        return true;
    }

    private void LoadIndex(long logLength)
    {
        var indexLength = RandomAccess.GetLength(_index);
        var count = (int)Math.Min(indexLength / IndexEntrySize, int.MaxValue / IndexEntrySize);
        var bytes = new byte[count * IndexEntrySize];
        var read = count == 0 ? 0 : RandomAccess.Read(_index, bytes, 0);
        var lastRelative = 0;
        var lastPosition = 0;
        for (var i = 0; i + IndexEntrySize <= read; i += IndexEntrySize)
        {
            var relative = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i));
            var position = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i + sizeof(int)));
            if (relative <= lastRelative || position <= lastPosition || position >= logLength)
            {
                break;
            }

            _entries.Add((relative, position));
            (lastRelative, lastPosition) = (relative, position);
        }
    }

    private static byte[] Ensure(byte[]? buffer, int length)
    {
        if (buffer is not null && buffer.Length >= length)
        {
            return buffer;
        }

        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return ArrayPool<byte>.Shared.Rent(Math.Max(length, 4096));
    }
}
