using System.Diagnostics;
using Herald.Transports.Partitioned;

namespace Herald.Kafka.Internal;

/// <summary>One partition of a group's Kafka consumer, as the kernel reads it: the records the consuming thread fetched,
/// held from the group's position on, so that a seek back (a redelivery, a change of member) never goes to the broker.</summary>
/// <remarks>
/// The consuming thread appends; the kernel reads, seeks and commits under its group's lock. A cursor's lock keeps the
/// two apart and is held only for list operations. <see cref="Commit"/> drops what the group has passed and records the
/// position; the consuming thread stores it for the background commit, and commits it at once when the partition is given up.
/// </remarks>
internal sealed class KafkaCursor(int partition) : PartitionCursor
{
    private static readonly Task<bool> Closed = Task.FromResult(false);

    private readonly Lock _lock = new();
    private readonly List<SourceMessage> _held = [];
    private int _first;
    private int _next;
    private long _committed = -1;
    private long _stored = -1;
    private TaskCompletionSource<bool>? _signal;
    private bool _closed;

    public int Partition => partition;

    /// <summary>Gets 0: the group's committed offset is where the consumer starts fetching, and the kernel only compares
    /// positions with it, so the cursor need not ask the broker before it opens.</summary>
    public override long StartOffset => 0;

    /// <summary>Gets <see langword="null"/>: the redelivery schedule stays in this process; after a restart a failed event comes again at once.</summary>
    public override PartitionRedelivery? Redelivery => null;

    /// <summary>Gets how many records are held: read and unsettled, or not read yet.</summary>
    public int Held
    {
        get
        {
            lock (_lock)
            {
                return _held.Count - _first;
            }
        }
    }

    /// <summary>Called by the consuming thread with the next record of the partition.</summary>
    public void Append(SourceMessage message)
    {
        TaskCompletionSource<bool>? signal;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            Debug.Assert(_held.Count == _first || _held[^1].Offset < message.Offset, "Records of a partition arrive in offset order.");
            _held.Add(message);
            (signal, _signal) = (_signal, null);
        }

        signal?.TrySetResult(true);
    }

    public override int Read(List<SourceMessage> messages, int maxCount)
    {
        lock (_lock)
        {
            var count = Math.Min(maxCount, _held.Count - _next);
            for (var i = 0; i < count; i++)
            {
                messages.Add(_held[_next++]);
            }

            return count;
        }
    }

    public override Task<bool>? GetDataSignal()
    {
        lock (_lock)
        {
            return _closed ? Closed : _next < _held.Count ? null : (_signal ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    public override void Seek(long offset)
    {
        lock (_lock)
        {
            // Everything from the group's position on is held, and the kernel never seeks before it.
            var index = _first;
            while (index < _held.Count && _held[index].Offset < offset)
            {
                index++;
            }

            _next = index;
        }
    }

    public override void Commit(long nextOffset)
    {
        lock (_lock)
        {
            var passed = _first;
            while (passed < _held.Count && _held[passed].Offset < nextOffset)
            {
                passed++;
            }

            _next = Math.Max(_next, passed);
            _first = passed;
            if (_first > 1024 && _first * 2 > _held.Count)
            {
                // Compacted only once the dropped part is large and at least half the list: amortized O(1) per record.
                _held.RemoveRange(0, _first);
                _next -= _first;
                _first = 0;
            }

            _committed = nextOffset;
        }
    }

    /// <summary>Returns the position committed since the last call, for the consuming thread to store, or -1.</summary>
    public long TakeCommit()
    {
        lock (_lock)
        {
            if (_committed == _stored)
            {
                return -1;
            }

            _stored = _committed;
            return _committed;
        }
    }

    /// <summary>Gets the last position the group committed through this cursor, or -1.</summary>
    public long Committed
    {
        get
        {
            lock (_lock)
            {
                return _committed;
            }
        }
    }

    public override ValueTask SaveRedeliveryAsync(PartitionRedelivery redelivery, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public override ValueTask DisposeAsync()
    {
        TaskCompletionSource<bool>? signal;
        lock (_lock)
        {
            _closed = true;
            _held.Clear();
            (_first, _next) = (0, 0);
            (signal, _signal) = (_signal, null);
        }

        signal?.TrySetResult(false);
        return ValueTask.CompletedTask;
    }
}
