using Herald.Events;
using Herald.Transports.Partitioned;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Herald.RabbitMQ.Internal;

/// <summary>A consumer group's cursor on one partition queue: a consumer on a channel of its own whose deliveries, held
/// unacknowledged, are the partition's offsets.</summary>
/// <remarks>
/// <para>RabbitMQ has no offsets: the cursor numbers its deliveries from the group's position in this process
/// (<see cref="RabbitMQGroupSource"/>), in the order the queue delivers them. Every delivery stays unacknowledged until
/// the kernel commits past it, so a seek back (a redelivery) reads from this buffer again, and the prefetch count bounds
/// the buffer. Closing the channel returns what is not committed to the head of the quorum queue, in order, so the next
/// cursor (here after a rebalance, or the queue's next single active consumer elsewhere) numbers the same messages alike.</para>
/// <para>A commit does not wait for its acknowledgement: a flush on the thread pool sends one <c>multiple</c>
/// acknowledgement for everything committed since the last (on a quorum queue each acknowledgement is a command in the
/// queue's Raft log). Closing sends the pending acknowledgement first, so the queue gets back exactly the rest. After a
/// connection recovery the client ignores acknowledgements of tags from before it, and the broker delivers those again.</para>
/// <para>A message that is not a readable CloudEvent (or is over the limits) is dead-lettered here before the next one is
/// taken (the client dispatches one delivery at a time per channel), and gets no offset: the kernel never sees it.</para>
/// </remarks>
#pragma warning disable CA1001 // The semaphore never allocates a wait handle (only WaitAsync is used): nothing to dispose.
internal sealed class RabbitMQCursor : PartitionCursor, IPartitionSettlements
#pragma warning restore CA1001
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _acknowledging = new(1, 1);
    private readonly List<(ulong Tag, EventEnvelope Envelope)> _messages = [];
    private readonly Queue<ulong> _settledUnreadable = new();
    private readonly SortedSet<long> _settledAhead = [];
    private readonly RabbitMQGroupSource _group;
    private readonly int _partition;
    private IChannel? _channel;
    private TaskCompletionSource<bool>? _signal;
    private long _base;
    private long _read;
    private ulong _committedTag;
    private ulong _ackTarget;
    private ulong _acked;
    private bool _flushing;
    private bool _closed;

    private RabbitMQCursor(RabbitMQGroupSource group, int partition, long start, PartitionRedelivery? redelivery)
    {
        _group = group;
        _partition = partition;
        StartOffset = _base = _read = start;
        Redelivery = redelivery;
    }

    public override long StartOffset { get; }

    public override PartitionRedelivery? Redelivery { get; }

    /// <summary>Gets how many deliveries the cursor holds unacknowledged (the broker counts them as unacknowledged, not ready).</summary>
    public int Unsettled
    {
        get
        {
            lock (_lock)
            {
                return _messages.Count;
            }
        }
    }

    /// <summary>Opens a channel with the group's prefetch count and consumes the partition's queue on it.</summary>
    public static async Task<RabbitMQCursor> OpenAsync(RabbitMQGroupSource group, IConnection connection, int partition, long start,
        PartitionRedelivery? redelivery, CancellationToken cancellationToken)
    {
        var cursor = new RabbitMQCursor(group, partition, start, redelivery);
        var channel = cursor._channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.BasicQosAsync(0, group.Prefetch, global: false, cancellationToken).ConfigureAwait(false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += cursor.OnReceivedAsync;
            await channel.BasicConsumeAsync(group.Queue(partition), autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
            return cursor;
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override int Read(List<SourceMessage> messages, int maxCount)
    {
        lock (_lock)
        {
            var added = 0;
            for (var i = (int)(_read - _base); i < _messages.Count && added < maxCount; i++, added++)
            {
                messages.Add(new SourceMessage(_read++, _messages[i].Envelope));
            }

            return added;
        }
    }

    public override Task<bool>? GetDataSignal()
    {
        lock (_lock)
        {
            return _read - _base < _messages.Count ? null
                : (_signal ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    public override void Seek(long offset)
    {
        lock (_lock)
        {
            _read = Math.Max(offset, _base);
            _settledAhead.RemoveWhere(settled => settled >= _read); // Void: read and settled again.
        }
    }

    /// <summary>Records a delivery handled beyond the committed position: closing acknowledges it, so it does not come again.</summary>
    public void Settled(long offset)
    {
        lock (_lock)
        {
            if (offset >= _base && offset < _base + _messages.Count)
            {
                _settledAhead.Add(offset);
            }
        }
    }

    public override void Commit(long nextOffset)
    {
        lock (_lock)
        {
            var count = (int)Math.Min(nextOffset - _base, _messages.Count);
            if (count <= 0)
            {
                return;
            }

            _committedTag = _messages[count - 1].Tag;
            _messages.RemoveRange(0, count);
            _base += count;
            _settledAhead.RemoveWhere(settled => settled < _base);
            _read = Math.Max(_read, _base);
            UpdateAcknowledgement();
        }

        _group.Committed(_partition, nextOffset);
    }

    public override ValueTask SaveRedeliveryAsync(PartitionRedelivery redelivery, CancellationToken cancellationToken)
    {
        _group.Schedule(_partition, redelivery);
        return ValueTask.CompletedTask;
    }

    /// <summary>Acknowledges what is committed, then closes the channel: the queue gets every other delivery back, in order.</summary>
    public override async ValueTask DisposeAsync()
    {
        TaskCompletionSource<bool>? signal;
        lock (_lock)
        {
            _closed = true;
            signal = _signal;
            _signal = null;
        }

        signal?.TrySetResult(true);
        await _acknowledging.WaitAsync().ConfigureAwait(false);
        try
        {
            await AcknowledgeAsync().ConfigureAwait(false);
            if (_channel is { } channel)
            {
                try
                {
                    // Sent before the close on the same channel, so the broker settles them first: only the unsettled return.
                    foreach (var tag in SettledAheadTags())
                    {
                        await channel.BasicAckAsync(tag, multiple: false).ConfigureAwait(false);
                    }

                    await channel.CloseAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException)
                {
                    // Already closed with the connection: the broker returned the messages then.
                }

                await channel.DisposeAsync().ConfigureAwait(false);
            }

            lock (_lock)
            {
                _messages.Clear(); // Back in the queue.
            }
        }
        finally
        {
            _acknowledging.Release();
        }
    }

    private List<ulong> SettledAheadTags()
    {
        lock (_lock)
        {
            return [.. _settledAhead.Select(offset => _messages[(int)(offset - _base)].Tag).Where(tag => tag > _acked)];
        }
    }

    // Under the lock: the highest tag with nothing unsettled at or below it; a flush acknowledges up to it.
    private void UpdateAcknowledgement()
    {
        var limit = _messages.Count > 0 ? _messages[0].Tag : ulong.MaxValue;
        var target = _committedTag;
        while (_settledUnreadable.TryPeek(out var tag) && tag < limit)
        {
            target = Math.Max(target, _settledUnreadable.Dequeue());
        }

        if (target > _ackTarget)
        {
            _ackTarget = target;
            if (!_flushing && !_closed)
            {
                _flushing = true;
                _ = Task.Run(FlushAsync);
            }
        }
    }

    private async Task FlushAsync()
    {
        await _acknowledging.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_lock)
            {
                _flushing = false;
            }

            await AcknowledgeAsync().ConfigureAwait(false);
        }
        finally
        {
            _acknowledging.Release();
        }
    }

    // Holds _acknowledging: a multiple acknowledgement never overtakes another.
    private async Task AcknowledgeAsync()
    {
        ulong target;
        lock (_lock)
        {
            target = _ackTarget;
        }

        if (target <= _acked || _channel is not { } channel)
        {
            return;
        }

        _acked = target;
        try
        {
            await channel.BasicAckAsync(target, multiple: true).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Nobody awaits a flush to hear of it; the broker redelivers what was not acknowledged.
        catch (Exception)
#pragma warning restore CA1031
        {
            // The connection or channel went away: the broker has put the messages back and delivers them again (at-least-once).
        }
    }

    private async Task OnReceivedAsync(object sender, BasicDeliverEventArgs message)
    {
        EventEnvelope envelope;
        try
        {
            envelope = EnvelopeMessages.Read(message.BasicProperties, message.Body, _group.Unreadable.Limits);
        }
        catch (Exception e) when (e is EventFormatException or EventTooLargeException)
        {
            await DeadLetterAsync(message, e).ConfigureAwait(false);
            return;
        }

        TaskCompletionSource<bool>? signal;
        lock (_lock)
        {
            if (_closed)
            {
                return; // Closing the channel returns it to the queue.
            }

            _messages.Add((message.DeliveryTag, envelope));
            signal = _signal;
            _signal = null;
        }

        signal?.TrySetResult(true);
    }

    /// <summary>Dead-letters a message that is not a CloudEvent or is over the limits, then acknowledges it in its place.</summary>
    /// <remarks>Unacknowledged while it is saved, so a crash in between brings it again and its dead letter (same id) is
    /// written again, never lost. While the store is away the partition waits: later messages are not taken meanwhile.</remarks>
    private async Task DeadLetterAsync(BasicDeliverEventArgs message, Exception error)
    {
        var queue = _group.Queue(_partition);
        while (true)
        {
            try
            {
                await _group.Unreadable.SaveAsync(queue, message, error).ConfigureAwait(false);
                break;
            }
#pragma warning disable CA1031 // The broker or the stream is away: the message stays unacknowledged and is saved again shortly.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _group.Unreadable.SaveFailed(queue, e);
            }

            lock (_lock)
            {
                if (_closed)
                {
                    return;
                }
            }

            await Task.Delay(_group.RetryInterval, _group.TimeProvider).ConfigureAwait(false);
        }

        lock (_lock)
        {
            _settledUnreadable.Enqueue(message.DeliveryTag);
            UpdateAcknowledgement();
        }
    }
}
