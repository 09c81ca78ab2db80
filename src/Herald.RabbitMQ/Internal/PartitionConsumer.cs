using System.Threading.Channels;
using Herald.Events;
using Herald.Transports;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Herald.RabbitMQ.Internal;

/// <summary>One member's consumer on one partition queue, on a channel of its own; closing it gives the partition back.</summary>
/// <remarks>
/// Closing the channel is how a member lets go of its unsettled deliveries: a quorum queue returns a closed consumer's
/// messages sorted by checkout order and serves returned messages before the rest, so the next consumer (the same
/// member after a delay, or the next single active consumer) gets them again first and in order. Settlements of a
/// closed consumer's deliveries are ignored; their delivery tags would be meaningless on any other channel.
/// </remarks>
internal sealed class PartitionConsumer
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, (string EventId, long Offset)> _unsettled = [];
    private readonly IChannel _channel;
    private readonly ChannelWriter<TransportDelivery> _output;
    private bool _closed;

    private PartitionConsumer(IChannel channel, int partition, PartitionState state, ChannelWriter<TransportDelivery> output)
    {
        _channel = channel;
        Partition = partition;
        State = state;
        _output = output;
    }

    public int Partition { get; }

    public PartitionState State { get; }

    /// <summary>Opens a channel with <paramref name="prefetch"/> and consumes <paramref name="queue"/> on it.</summary>
    public static async Task<PartitionConsumer> StartAsync(IConnection connection, string queue, int partition, ushort prefetch,
        PartitionState state, ChannelWriter<TransportDelivery> output, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken);
            var partitionConsumer = new PartitionConsumer(channel, partition, state, output);
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

    /// <summary>Acknowledges a delivery, unless it was voided.</summary>
    public async ValueTask CompleteAsync(ulong tag, CancellationToken cancellationToken)
    {
        string eventId;
        lock (_lock)
        {
            if (_closed || !_unsettled.Remove(tag, out var entry))
            {
                return;
            }

            eventId = entry.EventId;
        }

        State.Completed(eventId);
        try
        {
            await _channel.BasicAckAsync(tag, multiple: false, cancellationToken);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException)
        {
            // The connection or channel went away: the broker has put the message back and delivers it again
            // (at-least-once). The client ignores acks of tags from before a recovery for the same reason.
        }
    }

    /// <summary>Closes the channel, returning every unsettled delivery to the head of the queue in order.</summary>
    public async ValueTask CloseAsync()
    {
        List<(string EventId, long Offset)> returned;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            returned = _unsettled.OrderBy(u => u.Key).Select(u => u.Value).ToList();
            _unsettled.Clear();
        }

        // Recorded before the broker returns them, so that whoever receives them next finds their offsets.
        State.Returned(returned);
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

    private async Task OnReceivedAsync(object sender, BasicDeliverEventArgs message)
    {
        EventEnvelope envelope;
        try
        {
            envelope = EnvelopeMessages.Read(message.BasicProperties, message.Body);
        }
        catch (EventFormatException)
        {
            // Not a CloudEvent, so there is no envelope to hand a handler or to dead-letter. Requeueing would block the
            // partition for ever; rejecting drops it, or moves it to a dead-letter exchange the operator set by policy.
            await RejectAsync(message.DeliveryTag);
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

    private async Task RejectAsync(ulong tag)
    {
        try
        {
            await _channel.BasicRejectAsync(tag, requeue: false);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException)
        {
            // It comes again on the next consumer and is rejected there.
        }
    }
}
