using Herald.Log.Storage;

namespace Herald.Log;

/// <summary>
/// One partition of a topic: an ordered, append-only sequence of records numbered by offset, stored as segment files in
/// its own directory. Appends from any thread are batched and written by the partition's writer thread; readers tail it.
/// </summary>
/// <remarks>
/// <para>
/// Group commit: every append goes into the pending batch; the writer takes everything pending, writes it with one
/// write per batch and, under <see cref="FlushPolicy.Always"/>, one fsync, then completes all those appends together.
/// Appends that arrive meanwhile wait for the next round, so the fsync cost is shared by as many appends as arrive
/// during one fsync. Readers see a record only once its append is acknowledged (<see cref="EndOffset"/>).
/// </para>
/// <para>A write or fsync error is final: the partition fails every pending and later append with <see cref="LogFailedException"/>.</para>
/// </remarks>
public sealed partial class LogPartition : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Lock _segmentLock = new();
    private readonly TopicOptions _options;
    private readonly TimeProvider _time;
    // No spinning: a partition's writer sleeps between commits, and a topic has several partitions on few cores.
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly Thread? _writer;
    private readonly bool _readOnly;
    private PendingBatches _pending;
    private PendingBatches? _spare;
    private CommitGroup _group = new();
    private long _nextOffset;
    private bool _writerIdle;
    private bool _closing;
    private bool _closed;
    private Exception? _failure;
    private SegmentFile[] _segments;
    private SegmentFile _active;
    private Visible _visible;
    private TaskCompletionSource<bool> _signal = NewSignal();
    private long _activeStartedAt;
    private long _lastFlushAt;
    private bool _unflushed;
    private long _unsyncedFrom = -1;
    private LogDamage? _damage;
    private long _commitCount;

    // A damaged partition, or a read-only one whose directory a crash never created, has no segments and serves nothing.
    private LogPartition(string topic, int id, string directory, TopicOptions options, TimeProvider time, SegmentFile[] segments, bool readOnly, LogDamage? damage)
    {
        Topic = topic;
        Id = id;
        Directory = directory;
        _damage = damage;
        _options = options;
        _time = time;
        _readOnly = readOnly;
        _segments = segments;
        _active = segments.Length > 0 ? segments[^1] : null!;
        _nextOffset = segments.Length > 0 ? _active.NextOffset : 0;
        _visible = new Visible(_active, segments.Length > 0 ? _active.Size : 0, _nextOffset);
        _pending = new PendingBatches(options.MaxBatchBytes);
        _spare = new PendingBatches(options.MaxBatchBytes);
        _activeStartedAt = _lastFlushAt = time.GetTimestamp();
        if (!readOnly && damage is null)
        {
            _writer = new Thread(WriteLoop) { IsBackground = true, Name = $"Herald.Log writer {topic}-{id}" };
            _writer.Start();
        }
    }

    /// <summary>Gets the name of the partition's topic.</summary>
    public string Topic { get; }

    /// <summary>Gets the partition's number within its topic.</summary>
    public int Id { get; }

    /// <summary>Gets the partition's directory.</summary>
    public string Directory { get; }

    /// <summary>Gets the offset of the oldest record still stored (retention deletes older segments).</summary>
    public long StartOffset => Volatile.Read(ref _segments) is { Length: > 0 } segments ? segments[0].BaseOffset : 0;

    /// <summary>Gets the offset after the last acknowledged record: readers see every record below it.</summary>
    public long EndOffset => Volatile.Read(ref _visible).EndOffset;

    /// <summary>Gets the bytes stored in the partition's segments.</summary>
    public long SizeInBytes
    {
        get
        {
            long size = 0;
            foreach (var segment in Volatile.Read(ref _segments))
            {
                size += segment.Size;
            }

            return size;
        }
    }

    /// <summary>Gets the number of segment files.</summary>
    public int SegmentCount => Volatile.Read(ref _segments).Length;

    /// <summary>Gets the damage that keeps the partition from serving, or <see langword="null"/> when it serves.</summary>
    /// <remarks>Set when the log opens, or later when a reader meets damage that opening did not validate (a sealed segment is trusted up to its last index entry).</remarks>
    public LogDamage? Damage => Volatile.Read(ref _damage);

    /// <summary>Gets the failure that stopped the partition's writer, if any.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Gets how many commit groups the writer has acknowledged since the partition opened.</summary>
    /// <remarks>Each is one write of everything pending and, under <see cref="FlushPolicy.Always"/>, one fsync; it counts
    /// before the group's appends complete, so an awaited append is already in it. Appends per commit = appends / this.</remarks>
    public long CommitCount => Interlocked.Read(ref _commitCount);

    /// <summary>Appends a record and returns its offset once the append is acknowledged under the topic's flush policy.</summary>
    /// <remarks>The record's bytes are copied before this method returns. Cancelling stops the wait, not the append.</remarks>
    /// <exception cref="LogFailedException">The partition failed to write or fsync.</exception>
    /// <exception cref="TopicDeletedException">The topic was deleted before the append was written.</exception>
    /// <exception cref="ObjectDisposedException">The log is closed.</exception>
    public ValueTask<long> AppendAsync(LogRecord record, CancellationToken cancellationToken = default)
    {
        CommitGroup group;
        long offset;
        lock (_lock)
        {
            ThrowIfUnavailable();
            if (_pending.Length >= _options.MaxPendingBytes)
            {
                WakeWriter();
                return AppendWhenRoomAsync(record.Detach(), cancellationToken);
            }

            offset = _nextOffset;
            _pending.Add(in record, offset);
            _nextOffset = offset + 1;
            group = _group;
            WakeWriter();
        }

        return group.WaitAsync(offset, cancellationToken);
    }

    /// <summary>Appends records as consecutive offsets and returns the first offset once all are acknowledged.</summary>
    /// <exception cref="ArgumentException"><paramref name="records"/> is empty or holds an invalid record; nothing was appended.</exception>
    /// <exception cref="LogFailedException">The partition failed to write or fsync.</exception>
    /// <exception cref="TopicDeletedException">The topic was deleted before the append was written.</exception>
    public ValueTask<long> AppendAsync(ReadOnlySpan<LogRecord> records, CancellationToken cancellationToken = default)
    {
        if (records.IsEmpty)
        {
            throw new ArgumentException("There is nothing to append.", nameof(records));
        }

        foreach (ref readonly var record in records)
        {
            _ = PendingBatches.MeasureAlone(in record);
        }

        CommitGroup group;
        long first;
        lock (_lock)
        {
            ThrowIfUnavailable();
            first = _nextOffset;
            foreach (ref readonly var record in records)
            {
                _pending.Add(in record, _nextOffset++);
            }

            group = _group;
            WakeWriter();
        }

        return group.WaitAsync(first, cancellationToken);
    }

    /// <summary>Opens a reader positioned at <paramref name="offset"/>, clamped to the stored range.</summary>
    /// <exception cref="LogCorruptedException">The partition is damaged (see <see cref="Damage"/>).</exception>
    /// <exception cref="TopicDeletedException">The topic was deleted.</exception>
    public LogReader OpenReader(long offset)
    {
        ThrowIfDeleted();
        ThrowIfDamaged();
        return new(this, offset);
    }

    /// <summary>Returns the offset of the first record whose batch holds a timestamp at or after <paramref name="timestamp"/>, or <see cref="EndOffset"/> when none does.</summary>
    /// <exception cref="TopicDeletedException">The topic was deleted.</exception>
    public long FindOffset(DateTimeOffset timestamp)
    {
        ThrowIfDeleted();
        var milliseconds = timestamp.ToUnixTimeMilliseconds();
        var visibleEnd = EndOffset;
        foreach (var segment in Volatile.Read(ref _segments))
        {
            if (segment.MaxTimestamp >= milliseconds)
            {
                long? found;
                lock (_segmentLock)
                {
                    found = segment.FindOffsetByTimestamp(milliseconds);
                }

                if (found is { } offset)
                {
                    return Math.Min(offset, visibleEnd);
                }
            }
        }

        return visibleEnd;
    }

    /// <summary>Stops the writer after it has written everything pending, fsyncs, and closes the segment files.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_closing)
            {
                return;
            }

            _closing = true;
            WakeWriter();
        }

        _writer?.Join();
        lock (_segmentLock)
        {
            // A deleted partition's files go next: flushing them would only delay that.
            if (_failure is null && _writer is not null && !IsDeleted)
            {
                try
                {
                    _active.FlushAll();
                }
                catch (IOException)
                {
                    // The log closes either way; what did not reach the disk is recovered from what did on the next open.
                }
            }

            foreach (var segment in _segments)
            {
                segment.Dispose();
            }

            _closed = true;
        }

        _signal.TrySetResult(false);
        _wake.Dispose();
    }

    internal SegmentFile[] Segments => Volatile.Read(ref _segments);

    internal Lock SegmentLock => _segmentLock;

    internal bool IsClosed => Volatile.Read(ref _closed);

    internal (SegmentFile Segment, long Size, long EndOffset) VisibleEnd
    {
        get
        {
            var visible = Volatile.Read(ref _visible);
            return (visible.Segment, visible.Size, visible.EndOffset);
        }
    }

    internal Task<bool> Signal => Volatile.Read(ref _signal).Task;

    private static TaskCompletionSource<bool> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets or sets the handler told when a reader finds the partition damaged after it opened (the log lists and raises it).</summary>
    internal Action<LogPartition, LogDamage>? DamageFound { get; set; }

    /// <summary>Records damage a reader met: from then on the partition refuses appends and reads until repaired.</summary>
    internal void ReportDamage(LogCorruptedException exception)
    {
        var damage = new LogDamage(Topic, Id, exception.FileName ?? Directory, exception.Position, exception.Message);
        if (Interlocked.CompareExchange(ref _damage, damage, null) is null)
        {
            DamageFound?.Invoke(this, damage);
        }
    }

    private void ThrowIfDamaged()
    {
        if (Damage is { } damage)
        {
            throw new LogCorruptedException(
                $"{damage} It serves nothing until repaired: stop the application and run '{damage.RepairCommand(Path.GetDirectoryName(Directory)!)}'.");
        }
    }

    private void ThrowIfUnavailable()
    {
        ThrowIfDeleted();
        ThrowIfDamaged();
        if (_readOnly)
        {
            throw new InvalidOperationException($"Partition {Topic}-{Id} is open read-only and takes no appends.");
        }

        if (_failure is not null)
        {
            throw new LogFailedException($"Partition {Topic}-{Id} failed earlier and accepts no appends: {_failure.Message}", _failure);
        }

        ObjectDisposedException.ThrowIf(_closing, this);
    }

    private void WakeWriter()
    {
        if (_writerIdle)
        {
            _writerIdle = false;
            _wake.Set();
        }
    }

    private async ValueTask<long> AppendWhenRoomAsync(LogRecord record, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task flushed;
            CommitGroup? group = null;
            var offset = -1L;
            lock (_lock)
            {
                ThrowIfUnavailable();
                if (_pending.Length < _options.MaxPendingBytes)
                {
                    offset = _nextOffset;
                    _pending.Add(in record, offset);
                    _nextOffset = offset + 1;
                    group = _group;
                }

                flushed = _group.Completion;
                WakeWriter();
            }

            if (group is not null)
            {
                return await group.WaitAsync(offset, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await flushed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (LogFailedException)
            {
                // ThrowIfUnavailable reports the failure with this partition's name on the next round.
            }
        }
    }

    private sealed record Visible(SegmentFile Segment, long Size, long EndOffset);
}
