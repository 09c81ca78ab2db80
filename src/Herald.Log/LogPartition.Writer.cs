using System.Threading.Tasks.Sources;
using Herald.Log.Storage;

namespace Herald.Log;

// The writer thread: takes what is pending, writes it, flushes it as the policy says, acknowledges it, rolls segments.
public sealed partial class LogPartition
{
    /// <summary>Gets the handler told when the partition fails (the log logs it).</summary>
    internal Action<LogPartition, Exception>? Failed { get; set; }

    private void WriteLoop()
    {
        while (true)
        {
            PendingBatches? batches = null;
            CommitGroup? group = null;
            lock (_lock)
            {
                if (_pending.IsEmpty || _failure is not null)
                {
                    if (_closing || _failure is not null)
                    {
                        return;
                    }

                    _writerIdle = true;
                }
                else
                {
                    batches = _pending;
                    _pending = _spare ?? new PendingBatches(_options.MaxBatchBytes);
                    _spare = null;
                    group = _group;
                    _group = new CommitGroup();
                }
            }

            if (batches is null || group is null)
            {
                WaitForWork();
                continue;
            }

            try
            {
                Write(batches);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                Fail(exception, group);
                return;
            }

            Interlocked.Increment(ref _commitCount);
            group.Complete();
            batches.Clear();
            lock (_lock)
            {
                _spare = batches;
            }
        }
    }

    private void WaitForWork()
    {
        if (!_unflushed)
        {
            _wake.Wait();
            _wake.Reset();
            return;
        }

        // FlushPolicy.Interval with written but unflushed data: wake for the next due fsync even with no appends.
        var due = _options.FlushInterval - _time.GetElapsedTime(_lastFlushAt);
        if (due > TimeSpan.Zero && _wake.Wait(due))
        {
            _wake.Reset();
            return;
        }

        lock (_lock)
        {
            _writerIdle = false;
        }

        try
        {
            FlushActive();
        }
        catch (IOException exception)
        {
            Fail(exception, null);
        }
    }

    private void Write(PendingBatches batches)
    {
        // Everything written since the last fsync is one commit group, which a power cut may tear in any page; the stamp
        // lets recovery tell whole batches of that group from acknowledged ones (see CommitGroup).
        if (_unsyncedFrom < 0)
        {
            _unsyncedFrom = batches.FirstOffset;
        }

        batches.Seal(_unsyncedFrom);
        long end = 0;
        for (var i = 0; i < batches.BatchCount; i++)
        {
            var bytes = batches.GetBatch(i, out var baseOffset, out var count, out _);
            RollIfDue(bytes.Length, baseOffset);
            lock (_segmentLock)
            {
                _active.Append(bytes, baseOffset, count);
            }

            end = baseOffset + count;
        }

        switch (_options.FlushPolicy)
        {
            case FlushPolicy.Always:
                FlushActive();
                break;
            case FlushPolicy.Interval when _time.GetElapsedTime(_lastFlushAt) >= _options.FlushInterval:
                FlushActive();
                break;
            default:
                _unflushed = true;
                break;
        }

        Publish(new Visible(_active, _active.Size, end));
    }

    private void FlushActive()
    {
        _active.Flush();
        _lastFlushAt = _time.GetTimestamp();
        _unflushed = false;
        _unsyncedFrom = -1;
    }

    private void RollIfDue(int batchBytes, long baseOffset)
    {
        if (_active.Size == 0)
        {
            _activeStartedAt = _time.GetTimestamp();
            return;
        }

        if (_active.Size + batchBytes <= _options.SegmentBytes && _time.GetElapsedTime(_activeStartedAt) < _options.SegmentRollTime)
        {
            return;
        }

        // The sealed segment is flushed whatever the policy, so that only the active segment can ever hold a torn tail.
        _active.Seal();
        if (_unsyncedFrom >= 0)
        {
            // The sealed segment is on disk: later groups start in the new one (stamps fit its int32 offsets).
            _unsyncedFrom = baseOffset;
        }

        var next = SegmentFile.Create(Directory, baseOffset, _options.IndexIntervalBytes);
        LogDirectory.Sync(Directory);
        lock (_segmentLock)
        {
            _active = next;
            Volatile.Write(ref _segments, [.. _segments, next]);
        }

        _activeStartedAt = _time.GetTimestamp();
    }

    private void Publish(Visible visible)
    {
        Volatile.Write(ref _visible, visible);
        var signal = Interlocked.Exchange(ref _signal, NewSignal());
        signal.TrySetResult(true);
    }

    private void Fail(Exception exception, CommitGroup? taken)
    {
        var failure = new LogFailedException(
            $"Partition {Topic}-{Id} failed to write or fsync '{_active.LogPath}': {exception.Message} It accepts no more appends; " +
            "reopen the log to recover what reached the disk.", exception);
        lock (_lock)
        {
            _failure = failure;
            _group.Fail(failure);
            _pending.Clear();
        }

        taken?.Fail(failure);
        Failed?.Invoke(this, failure);
    }

    /// <summary>The appends that one write (and fsync) acknowledges together.</summary>
    /// <remarks>
    /// The writer hands the completion to one thread-pool item, which runs every waiting appender's continuation in
    /// turn: the writer goes straight back to the disk, and thousands of acknowledgements cost one work item, not one each.
    /// </remarks>
    private sealed class CommitGroup
    {
        private readonly TaskCompletionSource _completion = new();

        public Task Completion => _completion.Task;

        public void Complete() => ThreadPool.UnsafeQueueUserWorkItem(static completion => completion.TrySetResult(), _completion, preferLocal: false);

        public void Fail(Exception exception) =>
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Completion.TrySetException(state.Exception), (Completion: _completion, Exception: exception), preferLocal: false);

        public ValueTask<long> WaitAsync(long offset, CancellationToken cancellationToken)
        {
            var task = _completion.Task;
            if (task.IsCompletedSuccessfully)
            {
                return new ValueTask<long>(offset);
            }

            // Without a token, a small source per append that touches the group's task only if awaited before the
            // commit: a producer keeping thousands of appends in flight registers no continuation for most of them.
            return cancellationToken.CanBeCanceled ? WaitSlowAsync(task, offset, cancellationToken) : new ValueTask<long>(new Acknowledgement(task, offset), 0);
        }

        private static async ValueTask<long> WaitSlowAsync(Task task, long offset, CancellationToken cancellationToken)
        {
            await task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return offset;
        }
    }

    /// <summary>One append's acknowledgement: its offset, ready when its commit group's task is.</summary>
    private sealed class Acknowledgement(Task commit, long offset) : IValueTaskSource<long>
    {
        public long GetResult(short token)
        {
            commit.GetAwaiter().GetResult();
            return offset;
        }

        public ValueTaskSourceStatus GetStatus(short token) => commit.Status switch
        {
            TaskStatus.RanToCompletion => ValueTaskSourceStatus.Succeeded,
            TaskStatus.Faulted => ValueTaskSourceStatus.Faulted,
            TaskStatus.Canceled => ValueTaskSourceStatus.Canceled,
            _ => ValueTaskSourceStatus.Pending,
        };

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            commit.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => continuation(state));
    }
}
