using Herald.Events;
using Herald.Transports.Partitioned;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Herald.RabbitMQ.Internal;

/// <summary>A consumer group's cursor on one partition queue: a consumer on a channel of its own whose deliveries, held
/// unacknowledged, are the partition's offsets.</summary>
/// <remarks>
/// RabbitMQ has no offsets: the cursor numbers deliveries in the order the queue delivers them, from the group's position
/// in this process (<see cref="RabbitMQGroupSource"/>). Each stays unacknowledged until the kernel commits past it, so a
/// seek back reads this buffer again (the prefetch count bounds it), and a flush on the thread pool sends one
/// <c>multiple</c> acknowledgement for what was committed since the last. Closing acknowledges what is committed, then
/// what was settled beyond it one by one, before it closes the channel: the queue gets the rest back at its head, in
/// order, so the next cursor numbers them alike. A message that is not a readable CloudEvent is handed out in its place
/// as what arrived (see <see cref="EnvelopeMessages"/>), so the pipeline dead-letters it in order.
/// </remarks>
internal sealed partial class RabbitMQCursor : PartitionCursor, IPartitionSettlements
{
    private readonly Lock _lock = new();
    private readonly List<(ulong Tag, EventEnvelope Envelope, Exception? Error)> _messages = [];
    private readonly SortedSet<long> _settledAhead = [];
    private readonly RabbitMQGroupSource _group;
    private readonly int _partition;
    private readonly IChannel _channel;
    private TaskCompletionSource<bool>? _signal;
    private Task _flush = Task.CompletedTask;
    private long _base;
    private long _read;
    private ulong _ackTarget;
    private ulong _acked;
    private bool _flushing;
    private bool _closed;

    private RabbitMQCursor(RabbitMQGroupSource group, int partition, IChannel channel, long start, PartitionRedelivery? redelivery)
    {
        (_group, _partition, _channel) = (group, partition, channel);
        StartOffset = _base = _read = start;
        Redelivery = redelivery;
    }

    public override long StartOffset { get; }

    public override PartitionRedelivery? Redelivery { get; }

    /// <summary>Gets how many deliveries the cursor holds unacknowledged (the broker counts them as unacknowledged, not ready).</summary>
    /// <remarks>Read without the lock, for lag: a count a moment old.</remarks>
    public int Unsettled => _messages.Count;

    /// <summary>Opens a channel with the group's prefetch count and consumes the partition's queue on it.</summary>
    public static async Task<RabbitMQCursor> OpenAsync(RabbitMQGroupSource group, IConnection connection, int partition, long start,
        PartitionRedelivery? redelivery, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var cursor = new RabbitMQCursor(group, partition, channel, start, redelivery);
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
                messages.Add(new SourceMessage(_read++, _messages[i].Envelope, _messages[i].Error));
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

            _ackTarget = _messages[count - 1].Tag;
            _messages.RemoveRange(0, count);
            _base += count;
            _settledAhead.RemoveWhere(settled => settled < _base);
            _read = Math.Max(_read, _base);
            if (!_flushing && !_closed)
            {
                _flushing = true;
                _flush = Task.Run(FlushAsync);
            }
        }

        _group.Committed(_partition, nextOffset);
    }

    public override ValueTask SaveRedeliveryAsync(PartitionRedelivery redelivery, CancellationToken cancellationToken)
    {
        _group.Schedule(_partition, redelivery);
        return ValueTask.CompletedTask;
    }

    /// <summary>Acknowledges what is settled, then closes the channel: the queue gets every other delivery back, in order.</summary>
    public override async ValueTask DisposeAsync()
    {
        Task flush;
        lock (_lock)
        {
            _closed = true;
            _signal?.TrySetResult(true);
            _signal = null;
            flush = _flush;
        }

        await flush.ConfigureAwait(false);
        ulong pending;
        List<ulong> ahead;
        lock (_lock)
        {
            pending = _ackTarget > _acked ? _ackTarget : 0;
            ahead = [.. _settledAhead.Select(offset => _messages[(int)(offset - _base)].Tag)];
            _messages.Clear(); // Back in the queue.
        }

        try
        {
            // Sent before the close on the same channel, so the broker settles them first: only the unsettled return.
            if (pending > 0)
            {
                await _channel.BasicAckAsync(pending, multiple: true).ConfigureAwait(false);
            }

            foreach (var tag in ahead)
            {
                await _channel.BasicAckAsync(tag, multiple: false).ConfigureAwait(false);
            }

            await _channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException)
        {
            // Already closed with the connection: the broker returned the messages then.
        }

        await _channel.DisposeAsync().ConfigureAwait(false);
    }

    // One at a time: a multiple acknowledgement never overtakes another.
    private async Task FlushAsync()
    {
        while (true)
        {
            ulong target;
            lock (_lock)
            {
                if (_ackTarget <= _acked)
                {
                    _flushing = false;
                    return;
                }

                target = _acked = _ackTarget;
            }

            try
            {
                await _channel.BasicAckAsync(target, multiple: true).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Nobody awaits a flush to hear of it; the broker redelivers what was not acknowledged.
            catch (Exception)
#pragma warning restore CA1031
            {
                // The connection or channel went away: the broker has put the messages back and delivers them again (at-least-once).
            }
        }
    }

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs message)
    {
        var envelope = EnvelopeMessages.Read(message, _group.Queue(_partition), _group.Limits, _group.TimeProvider.GetUtcNow(), out var error);
        if (error is not null)
        {
            Unreadable(_group.Logger, _group.Queue(_partition), _group.Group, envelope.EventId, error.Message);
        }

        lock (_lock)
        {
            // Once closed, closing the channel returns it to the queue.
            if (!_closed)
            {
                _messages.Add((message.DeliveryTag, envelope, error));
                _signal?.TrySetResult(true);
                _signal = null;
            }
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "A message in RabbitMQ queue {Queue} is not a readable CloudEvent; group {Group} dead-letters it as {EventId}: {Reason}")]
    private static partial void Unreadable(ILogger logger, string queue, string group, string eventId, string reason);
}
