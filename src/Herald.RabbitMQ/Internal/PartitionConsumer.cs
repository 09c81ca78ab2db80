using System.Diagnostics;
using System.Threading.Channels;
using Herald.Events;
using Herald.Transports;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Herald.RabbitMQ.Internal;

/// <summary>One member's consumer on one partition queue, on a channel of its own; closing it gives the partition back.</summary>
/// <remarks>
/// <para>Closing the channel is how a member lets go of its unsettled deliveries: a quorum queue returns a closed consumer's
/// messages sorted by checkout order and serves returned messages before the rest, so the next consumer (the same
/// member after a delay, or the next single active consumer) gets them again first and in order. Settlements of a
/// closed consumer's deliveries are ignored; their delivery tags would be meaningless on any other channel.</para>
/// <para>Completing a delivery does not wait for its acknowledgement: a flush on the thread pool sends one <c>multiple</c>
/// acknowledgement for every delivery completed since the last, so under load, while the flush waits for a thread, one
/// frame settles many (on a quorum queue each acknowledgement is a command in the queue's Raft log, and each is a socket
/// write here). Closing the channel acknowledges what is completed first, so a rewind returns exactly the rest.</para>
/// </remarks>
#pragma warning disable CA1001 // The semaphore never allocates a wait handle (only WaitAsync is used): nothing to dispose.
internal sealed class PartitionConsumer
#pragma warning restore CA1001
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _acknowledging = new(1, 1);
    private readonly Dictionary<ulong, (string EventId, long Offset)> _unsettled = [];
    private readonly List<ulong> _completed = [];
    private readonly IChannel _channel;
    private readonly ChannelWriter<TransportDelivery> _output;
    private readonly UnreadableMessages _unreadable;
    private readonly string _queue;
    private bool _closed;
    private bool _flushing;

    private PartitionConsumer(IChannel channel, string queue, int partition, PartitionState state, ChannelWriter<TransportDelivery> output, UnreadableMessages unreadable)
    {
        _channel = channel;
        _queue = queue;
        _unreadable = unreadable;
        Partition = partition;
        State = state;
        _output = output;
    }

    public int Partition { get; }

    public PartitionState State { get; }

    /// <summary>Opens a channel with <paramref name="prefetch"/> and consumes <paramref name="queue"/> on it.</summary>
    public static async Task<PartitionConsumer> StartAsync(IConnection connection, string queue, int partition, ushort prefetch,
        PartitionState state, ChannelWriter<TransportDelivery> output, UnreadableMessages unreadable, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken);
            var partitionConsumer = new PartitionConsumer(channel, queue, partition, state, output, unreadable);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += partitionConsumer.OnReceivedAsync;
            await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
            return partitionConsumer;
        }
        catch
        {
            await channel.DisposeAsync();
            throw;
        }
    }

    /// <summary>Returns whether the delivery with <paramref name="tag"/> is still this open consumer's to settle.</summary>
    public bool Owns(ulong tag)
    {
        lock (_lock)
        {
            return !_closed && _unsettled.ContainsKey(tag);
        }
    }

    /// <summary>Marks a delivery completed, unless it was voided; a flush on the thread pool acknowledges it next.</summary>
    public void Complete(ulong tag)
    {
        string eventId;
        bool schedule;
        lock (_lock)
        {
            if (_closed || !_unsettled.Remove(tag, out var entry))
            {
                return;
            }

            eventId = entry.EventId;
            _completed.Add(tag);
            schedule = !_flushing;
            _flushing = true;
        }

        State.Completed(eventId);
        if (schedule)
        {
            _ = Task.Run(FlushAsync);
        }
    }

    /// <summary>Acknowledges the completed deliveries, then closes the channel, returning every unsettled delivery to the head of the queue in order.</summary>
    public async ValueTask CloseAsync()
    {
        await _acknowledging.WaitAsync();
        try
        {
            List<(string EventId, long Offset)> returned;
            (ulong Multiple, List<ulong>? Single) completed;
            lock (_lock)
            {
                if (_closed)
                {
                    return;
                }

                _closed = true;
                completed = TakeCompleted();
                returned = _unsettled.OrderBy(u => u.Key).Select(u => u.Value).ToList();
                _unsettled.Clear();
            }

            // Recorded before the broker returns them, so that whoever receives them next finds their offsets.
            State.Returned(returned);
            // Sent before the close on the same channel, so the broker settles them first: only uncompleted deliveries return.
            await AcknowledgeAsync(completed);
            try
            {
                await _channel.CloseAsync();
            }
            catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException)
            {
                // Already closed with the connection: the broker returned the messages then.
            }

            await _channel.DisposeAsync();
        }
        finally
        {
            _acknowledging.Release();
        }
    }

    /// <summary>Acknowledges completed deliveries until none is left; runs once at a time per consumer.</summary>
    private async Task FlushAsync()
    {
        await _acknowledging.WaitAsync();
        try
        {
            while (true)
            {
                (ulong Multiple, List<ulong>? Single) completed;
                lock (_lock)
                {
                    if (_completed.Count == 0)
                    {
                        _flushing = false;
                        return;
                    }

                    completed = TakeCompleted();
                }

                await AcknowledgeAsync(completed);
            }
        }
        finally
        {
            _acknowledging.Release();
        }
    }

    /// <summary>Takes the completed, unacknowledged deliveries: the highest one below every unsettled delivery, which a
    /// <c>multiple</c> acknowledgement settles with all before it, and those above an unsettled one, settled one by one.
    /// The caller holds the lock.</summary>
    private (ulong Multiple, List<ulong>? Single) TakeCompleted()
    {
        // Delivery tags rise in arrival order and every delivery below the lowest unsettled one is completed or rejected.
        var lowest = _unsettled.Count == 0 ? ulong.MaxValue : _unsettled.Keys.Min();
        var multiple = 0UL;
        List<ulong>? single = null;
        foreach (var tag in _completed)
        {
            if (tag < lowest)
            {
                multiple = Math.Max(multiple, tag);
            }
            else
            {
                (single ??= []).Add(tag);
            }
        }

        _completed.Clear();
        Debug.Assert(_unsettled.Keys.All(tag => tag > multiple), "A multiple acknowledgement must not settle an unsettled delivery.");
        return (multiple, single);
    }

    /// <summary>Sends acknowledgements; the caller holds <see cref="_acknowledging"/>, so a <c>multiple</c> one never
    /// overtakes another and names a tag the broker no longer knows (which would close the channel).</summary>
    private async ValueTask AcknowledgeAsync((ulong Multiple, List<ulong>? Single) completed)
    {
        try
        {
            if (completed.Multiple > 0)
            {
                await _channel.BasicAckAsync(completed.Multiple, multiple: true);
            }

            foreach (var tag in completed.Single ?? [])
            {
                await _channel.BasicAckAsync(tag, multiple: false);
            }
        }
#pragma warning disable CA1031 // Nobody awaits a flush to hear of it; the broker redelivers what was not acknowledged.
        catch (Exception)
#pragma warning restore CA1031
        {
            // The connection or channel went away: the broker has put the messages back and delivers them again
            // (at-least-once). The client ignores acks of tags from before a recovery for the same reason.
        }
    }

    private async Task OnReceivedAsync(object sender, BasicDeliverEventArgs message)
    {
        EventEnvelope envelope;
        try
        {
            envelope = EnvelopeMessages.Read(message.BasicProperties, message.Body, _unreadable.Limits);
        }
        catch (Exception e) when (e is EventFormatException or EventTooLargeException)
        {
            await DeadLetterAsync(message, e);
            return;
        }

        TransportDelivery delivery;
        lock (_lock)
        {
            if (_closed)
            {
                return; // Closing the channel returns it to the queue.
            }

            var (offset, count, firstFailedAt) = State.Arrive(envelope.EventId);
            _unsettled[message.DeliveryTag] = (envelope.EventId, offset);
            delivery = new(envelope, Partition, offset, count) { FirstFailedAt = firstFailedAt, State = new Receipt(this, message.DeliveryTag) };
        }

        // Unbounded: the broker bounds what is in flight by the prefetch count.
        _output.TryWrite(delivery);
    }

    /// <summary>Dead-letters a message that is not a CloudEvent or is over the limits, then acknowledges it; requeueing would block the partition.</summary>
    private async Task DeadLetterAsync(BasicDeliverEventArgs message, Exception error)
    {
        // Unsettled while it is saved, so that no multiple acknowledgement settles it before its dead letter is confirmed:
        // a crash in between brings it again, and its dead letter (same id) is written again, never lost. The client
        // dispatches one delivery at a time per channel, so the partition's later messages wait for this one.
        var id = "unreadable:" + message.DeliveryTag.ToString(System.Globalization.CultureInfo.InvariantCulture);
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _unsettled[message.DeliveryTag] = (id, State.Arrive(id).Offset);
        }

        try
        {
            await _unreadable.SaveAsync(_queue, message, error);
        }
#pragma warning disable CA1031 // The broker or the stream is away: the message stays unacknowledged and comes again after the channel closes.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _unreadable.SaveFailed(_queue, e);
            return;
        }

        Complete(message.DeliveryTag);
    }
}
