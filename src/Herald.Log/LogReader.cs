using System.Buffers;
using Herald.Log.Storage;

namespace Herald.Log;

/// <summary>
/// Reads one partition forward from an offset, whole batches at a time, and waits for new records on a signal from the
/// partition's writer (it never polls). Not thread-safe: one consumer owns a reader.
/// </summary>
public sealed class LogReader : IDisposable
{
    private const int InitialBufferBytes = 256 * 1024;
    private readonly LogPartition _partition;
    private readonly DecompressedBatches _decompressed = new();
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
    private SegmentFile? _segment;
    private long _filePosition;
    private int _bufferedLength;
    private long _bufferedFirstOffset;
    private long _bufferedEndOffset;
    private bool _disposed;

    internal LogReader(LogPartition partition, long offset)
    {
        _partition = partition;
        Seek(offset);
    }

    /// <summary>Gets the partition read.</summary>
    public LogPartition Partition => _partition;

    /// <summary>Gets the offset of the next record to read.</summary>
    public long Position { get; private set; }

    /// <summary>Gets the records between <see cref="Position"/> and the partition's end: how far this reader is behind.</summary>
    public long Lag => Math.Max(0, _partition.EndOffset - Position);

    /// <summary>Moves the reader to <paramref name="offset"/>, clamped to the partition's stored range.</summary>
    /// <remarks>Moving back into the batches the last read returned costs nothing: they are still in the reader's buffer.</remarks>
    public void Seek(long offset)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_bufferedLength > 0 && offset >= _bufferedFirstOffset && offset < _bufferedEndOffset)
        {
            Position = offset;
            return;
        }

        Position = Math.Clamp(offset, _partition.StartOffset, _partition.EndOffset);
        _segment = null;
        _bufferedLength = 0;
        _decompressed.Clear();
    }

    /// <summary>Reads the next whole batches (up to the reader's buffer, at least one batch) without waiting.</summary>
    /// <param name="records">The records read, valid until the next call on this reader; the first is at <see cref="Position"/> as it was.</param>
    /// <returns><see langword="false"/> when no acknowledged record is beyond <see cref="Position"/>.</returns>
    /// <exception cref="LogCorruptedException">A stored batch fails its CRC or framing; the message names the file and byte offset.</exception>
    /// <exception cref="TopicDeletedException">The partition's topic was deleted.</exception>
    public bool TryRead(out RecordSet records)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        records = default;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (_partition.IsDeleted)
                {
                    throw _partition.Deleted();
                }

                return TryReadCore(out records);
            }
            catch (ObjectDisposedException) when (_partition.IsDeleted)
            {
                // The deletion closed the segment being read.
                throw _partition.Deleted();
            }
            catch (LogCorruptedException exception) when (exception.FileName is not null)
            {
                // Damage in a sealed segment shows only when read: the partition stops serving and says so, once.
                _partition.ReportDamage(exception);
                throw;
            }
            catch (ObjectDisposedException) when (attempt < 3 && !_partition.IsClosed)
            {
                // Retention deleted the segment being read: start again from the partition's oldest record.
                _segment = null;
                Position = Math.Max(Position, _partition.StartOffset);
            }
        }
    }

    /// <summary>Waits until an acknowledged record is beyond <see cref="Position"/>.</summary>
    /// <returns><see langword="true"/> when there is something to read; <see langword="false"/> when the log closed or
    /// the partition's topic was deleted.</returns>
    public async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            // Take the signal before checking the end: a commit after the check completes this signal.
            var signal = _partition.Signal;
            if (_partition.IsDeleted)
            {
                return false;
            }

            if (Position < _partition.EndOffset)
            {
                return true;
            }

            if (_partition.IsClosed || !await signal.WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Returns <see langword="null"/> when an acknowledged record is beyond <see cref="Position"/>, else a task that
    /// completes with <see langword="true"/> at the partition's next commit or <see langword="false"/> when the log closes
    /// or the partition's topic is deleted.
    /// </summary>
    /// <remarks>
    /// For consumers waiting on many partitions at once: the task is the partition's shared signal, so waiting costs no
    /// allocation per reader. It may complete for a commit that leaves this reader nothing new; check again.
    /// </remarks>
    public Task<bool>? GetDataSignal()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var signal = _partition.Signal;
        if (_partition.IsDeleted)
        {
            return Task.FromResult(false);
        }

        if (Position < _partition.EndOffset)
        {
            return null;
        }

        return _partition.IsClosed ? Task.FromResult(false) : signal;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _decompressed.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private bool TryReadCore(out RecordSet records)
    {
        records = default;
        if (_bufferedLength > 0 && Position >= _bufferedFirstOffset && Position < _bufferedEndOffset)
        {
            records = new RecordSet(_buffer.AsSpan(SkipBatchesBefore(Position), _bufferedLength - SkipBatchesBefore(Position)), Position, _decompressed);
            Position = _bufferedEndOffset;
            return true;
        }

        _bufferedLength = 0;
        _decompressed.Clear();
        var (visibleSegment, visibleSize, endOffset) = _partition.VisibleEnd;
        while (Position < endOffset)
        {
            if (_segment is null)
            {
                Locate();
            }

            var segment = _segment!;
            var limit = ReferenceEquals(segment, visibleSegment) ? visibleSize : segment.Size;
            if (_filePosition >= limit)
            {
                if (!MoveToNextSegment(segment))
                {
                    return false;
                }

                continue;
            }

            var length = ReadWholeBatches(segment, limit, out var last);
            if (length == 0)
            {
                return false;
            }

            records = new RecordSet(_buffer.AsSpan(0, length), Position, _decompressed);
            _filePosition += length;
            (_bufferedLength, _bufferedFirstOffset, _bufferedEndOffset) = (length, Position, last + 1);
            Position = last + 1;
            return true;
        }

        return false;
    }

    private int ReadWholeBatches(SegmentFile segment, long limit, out long lastOffset)
    {
        lastOffset = -1;
        var available = (int)Math.Min(_buffer.Length, limit - _filePosition);
        var read = segment.Read(_filePosition, _buffer.AsSpan(0, available));
        var consumed = 0;
        while (consumed < read)
        {
            var check = RecordBatch.Read(_buffer.AsSpan(consumed, read - consumed), out var batch);
            if (check.Status == RecordBatchStatus.Complete)
            {
                lastOffset = batch.LastOffset;
                consumed += check.Size;
                continue;
            }

            if (check.Status == RecordBatchStatus.Incomplete && _filePosition + consumed + Math.Max(check.Size, RecordBatchLayout.LogOverhead) <= limit)
            {
                if (consumed > 0)
                {
                    break;
                }

                // A batch larger than the buffer: grow it and read again.
                var grown = ArrayPool<byte>.Shared.Rent(Math.Max(check.Size, _buffer.Length * 2));
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = grown;
                return ReadWholeBatches(segment, limit, out lastOffset);
            }

            throw new LogCorruptedException(segment.LogPath, _filePosition + consumed, check.Problem ?? "the batch runs past the end of the acknowledged data.");
        }

        return consumed;
    }

    private int SkipBatchesBefore(long offset)
    {
        var start = 0;
        while (true)
        {
            var batch = RecordBatch.ReadChecked(_buffer.AsSpan(start, _bufferedLength - start));
            if (batch.LastOffset >= offset || start + batch.Size >= _bufferedLength)
            {
                return start;
            }

            start += batch.Size;
        }
    }

    private void Locate()
    {
        var segments = _partition.Segments;
        if (Position < segments[0].BaseOffset)
        {
            Position = segments[0].BaseOffset;
        }

        var index = segments.Length - 1;
        while (index > 0 && segments[index].BaseOffset > Position)
        {
            index--;
        }

        var segment = segments[index];
        lock (_partition.SegmentLock)
        {
            _filePosition = Position < segment.NextOffset ? segment.FindPosition(Position) : segment.Size;
        }

        _segment = segment;
    }

    private bool MoveToNextSegment(SegmentFile current)
    {
        var segments = _partition.Segments;
        var index = Array.IndexOf(segments, current);
        if (index < 0)
        {
            _segment = null;
            return true;
        }

        if (index + 1 >= segments.Length)
        {
            return false;
        }

        _segment = segments[index + 1];
        _filePosition = 0;
        Position = Math.Max(Position, _segment.BaseOffset);
        return true;
    }
}
