using Herald.Events;
using Herald.Transports;
using NATS.Client.JetStream;

namespace Herald.Nats.Internal;

/// <summary>One member of a consumer group: hands out the events of the partitions it owns, one reader per partition.</summary>
internal sealed class NatsListener(NatsGroup group) : ITransportListener
{
    // Long enough that a dead-letter store that is down is not hammered, short enough that it is retried soon.
    private static readonly TimeSpan UnreadableRetryDelay = TimeSpan.FromSeconds(5);

    private readonly List<NatsPartitionReader> _readers = [];
    private TaskCompletionSource<bool>? _waiter;
    private bool _closed;
    private int _nextStart;

    public NatsGroup Group { get; } = group;

    public Lock Sync { get; } = new();

    public NatsPartitionReader Start(NatsGroupPartition partition, Task previous)
    {
        var reader = new NatsPartitionReader(this, partition);
        lock (Sync)
        {
            _readers.Add(reader);
        }

        reader.Run(previous);
        return reader;
    }

    public void Remove(NatsPartitionReader reader)
    {
        lock (Sync)
        {
            _readers.Remove(reader);
        }
    }

    public int TryReceive(List<TransportDelivery> deliveries, int maxCount)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        var added = 0;
        List<(DeliveryState State, ulong Sequence, INatsJSMsg<byte[]> Message, Exception Error)>? unreadable = null;
        lock (Sync)
        {
            var count = _readers.Count;
            if (_closed || count == 0)
            {
                return 0;
            }

            // Rotating the first partition keeps one busy partition from starving the others.
            var start = _nextStart++ % count;
            for (var i = 0; i < count && added < maxCount; i++)
            {
                var reader = _readers[(start + i) % count];
                while (added < maxCount && reader.TryTake(out var sequence, out var message))
                {
                    try
                    {
                        deliveries.Add(Delivery(reader, sequence, message.Metadata!.Value.NumDelivered, NatsEnvelopeCodec.Read(message.Headers, message.Data ?? [], Group.Topic.Limits)));
                        added++;
                    }
                    catch (Exception e) when (e is EventFormatException or EventTooLargeException)
                    {
                        (unreadable ??= []).Add((new DeliveryState(reader, reader.Generation), sequence, message, e));
                    }
                }
            }
        }

        if (unreadable is not null)
        {
            _ = DeadLetterAsync(unreadable);
        }

        return added;
    }

    public async ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken = default)
    {
        Task<bool> signal;
        lock (Sync)
        {
            if (_closed)
            {
                return false;
            }

            foreach (var reader in _readers)
            {
                if (reader.Releasable(out _))
                {
                    return true;
                }
            }

            _waiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            signal = _waiter.Task;
        }

        return await signal.WaitAsync(cancellationToken);
    }

    /// <remarks>Returns once the ack is sent; its confirmation is awaited in the background (retried while the server is
    /// away) and before the partition is handed to another member.</remarks>
    public ValueTask CompleteAsync(TransportDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (delivery.State is not DeliveryState state)
        {
            throw new ArgumentException("The delivery did not come from a NATS listener.", nameof(delivery));
        }

        INatsJSMsg<byte[]>? message;
        lock (Sync)
        {
            if (!state.Reader.TrySettle(state, (ulong)delivery.Offset, out message))
            {
                return ValueTask.CompletedTask;
            }
        }

        state.Reader.Shared.Settled((ulong)delivery.Offset);
        state.Reader.Acknowledge(message, (ulong)delivery.Offset);
        return ValueTask.CompletedTask;
    }

    public ValueTask RedeliverAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default) =>
        PutBackAsync(delivery, delay, failed: true, cancellationToken);

    public ValueTask DeferAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default) =>
        PutBackAsync(delivery, delay, failed: false, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        lock (Sync)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _waiter?.TrySetResult(false);
            _waiter = null;
        }

        await Group.LeaveAsync(this);
    }

    /// <summary>Wakes a waiting <see cref="WaitToReceiveAsync"/>. Caller holds <see cref="Sync"/>.</summary>
    public void SignalLocked()
    {
        _waiter?.TrySetResult(true);
        _waiter = null;
    }

    private static TransportDelivery Delivery(NatsPartitionReader reader, ulong sequence, ulong numDelivered, EventEnvelope envelope)
    {
        var count = reader.Shared.DeliveryCount(sequence, numDelivered);
        return new TransportDelivery(envelope, reader.Shared.Partition, (long)sequence, count)
        {
            State = new DeliveryState(reader, reader.Generation),
            FirstFailedAt = count > 1 ? reader.Shared.FailedSince(sequence) : null,
        };
    }

    private async ValueTask PutBackAsync(TransportDelivery delivery, TimeSpan delay, bool failed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (delivery.State is not DeliveryState state)
        {
            throw new ArgumentException("The delivery did not come from a NATS listener.", nameof(delivery));
        }

        var sequence = (ulong)delivery.Offset;
        List<INatsJSMsg<byte[]>>? back;
        lock (Sync)
        {
            back = state.Reader.TryPutBack(state, sequence);
        }

        if (back is null)
        {
            return;
        }

        // Only the failed event counts an attempt; the ones behind it (and a deferred one) come back with their count.
        state.Reader.Shared.NotCounted(back.Select(m => m.Metadata!.Value.Sequence.Stream).Where(s => !failed || s != sequence));
        if (failed)
        {
            state.Reader.Shared.Failed(sequence, delivery.FirstFailedAt ?? Group.Topic.TimeProvider.GetUtcNow());
        }

        foreach (var message in back)
        {
            await state.Reader.NakAsync(message, message.Metadata!.Value.Sequence.Stream, delay, cancellationToken);
        }
    }

    /// <summary>Dead-letters messages no member can read, then acks them: written before settled, so a crash in between
    /// dead-letters one again, never loses it. Terminating them instead (as once) dropped a foreign producer's events silently.</summary>
    private async Task DeadLetterAsync(List<(DeliveryState State, ulong Sequence, INatsJSMsg<byte[]> Message, Exception Error)> unreadable)
    {
        var topic = Group.Topic;
        foreach (var (state, sequence, message, error) in unreadable)
        {
            var letter = NatsUnreadableMessage.ToDeadLetter(message, topic.Stream, topic.Name, Group.Name, error, topic.Limits, topic.TimeProvider.GetUtcNow());
            try
            {
                await topic.DeadLetters.SaveAsync(letter, topic.Closing);
            }
#pragma warning disable CA1031 // Runs unobserved; the message is put back and read again, so a failed save loses nothing.
            catch (Exception e)
#pragma warning restore CA1031
            {
                NatsLog.UnreadableNotSaved(topic.Logger, sequence, topic.Stream, Group.Name, UnreadableRetryDelay, e);
                await PutBackAsync(new TransportDelivery(letter.Envelope, state.Reader.Shared.Partition, (long)sequence, 1) { State = state }, UnreadableRetryDelay, failed: false, CancellationToken.None);
                continue;
            }

            NatsLog.Unreadable(topic.Logger, sequence, topic.Stream, message.Subject, Group.Name, letter.EventId, error);
            lock (Sync)
            {
                if (!state.Reader.TrySettle(state, sequence, out _))
                {
                    // The partition moved or was put back meanwhile: the message comes again and is dead-lettered again.
                    continue;
                }
            }

            state.Reader.Shared.Settled(sequence);
            state.Reader.Acknowledge(message, sequence);
        }
    }
}
