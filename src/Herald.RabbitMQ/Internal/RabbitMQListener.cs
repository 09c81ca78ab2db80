using System.Threading.Channels;
using Herald.Transports;
using RabbitMQ.Client;

namespace Herald.RabbitMQ.Internal;

/// <summary>One member of a consumer group: consumes the partition queues the group assigns it, one channel each.</summary>
/// <remarks>
/// A rewind (<see cref="RedeliverAsync"/>, <see cref="DeferAsync"/>) closes the partition's consumer, which returns the
/// failed delivery and every later one of the partition to the head of its queue, in order, and consumes the partition
/// again after the delay. Meanwhile no other member of this process takes the partition; a member of another process
/// waiting as the queue's next single active consumer does, at once.
/// </remarks>
internal sealed class RabbitMQListener : ITransportListener
{
    private readonly Channel<TransportDelivery> _ready = Channel.CreateUnbounded<TransportDelivery>(new() { SingleReader = true });
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<int, PartitionConsumer?> _assigned = [];
    private readonly Dictionary<int, int> _pauses = [];
    private readonly CancellationTokenSource _disposed = new();
    private readonly RabbitMQGroup _group;
    private readonly IConnection _connection;
    private readonly RabbitMQTransportOptions _options;
    private readonly TimeProvider _timeProvider;

    public RabbitMQListener(RabbitMQGroup group, IConnection connection, RabbitMQTransportOptions options, TimeProvider timeProvider)
    {
        _group = group;
        _connection = connection;
        _options = options;
        _timeProvider = timeProvider;
    }

    public int TryReceive(List<TransportDelivery> deliveries, int maxCount)
    {
        var added = 0;
        while (added < maxCount && _ready.Reader.TryRead(out var delivery))
        {
            // Deliveries voided by a rewind or a rebalance are still in the buffer; the broker delivers them again.
            if (delivery.State is Receipt receipt && receipt.Consumer.Owns(receipt.Tag))
            {
                deliveries.Add(delivery);
                added++;
            }
        }

        return added;
    }

    public async ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken = default) =>
        !_disposed.IsCancellationRequested && await _ready.Reader.WaitToReadAsync(cancellationToken) && !_disposed.IsCancellationRequested;

    public ValueTask CompleteAsync(TransportDelivery delivery, CancellationToken cancellationToken = default)
    {
        if (delivery?.State is Receipt receipt)
        {
            receipt.Consumer.Complete(receipt.Tag);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RedeliverAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default) =>
        RewindAsync(delivery, delay, failed: true, cancellationToken);

    public ValueTask DeferAsync(TransportDelivery delivery, TimeSpan delay, CancellationToken cancellationToken = default) =>
        RewindAsync(delivery, delay, failed: false, cancellationToken);

    /// <summary>Takes and gives back partitions so that this member consumes exactly <paramref name="partitions"/>.</summary>
    internal async Task AssignAsync(IReadOnlyCollection<int> partitions, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_disposed.IsCancellationRequested)
            {
                partitions = []; // Leaving: a rebalance that still counts this member gives it nothing.
            }

            foreach (var (partition, consumer) in _assigned.Where(a => !partitions.Contains(a.Key)).ToList())
            {
                _assigned.Remove(partition);
                _pauses.Remove(partition);
                if (consumer is not null)
                {
                    await consumer.CloseAsync();
                }
            }

            foreach (var partition in partitions.Where(p => !_assigned.ContainsKey(p)).ToList())
            {
                try
                {
                    _assigned[partition] = await StartAsync(partition, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException && !_disposed.IsCancellationRequested)
                {
                    // The connection is down (the client is recovering it): keep the partition and try again shortly.
                    _assigned[partition] = null;
                    var pause = _pauses[partition] = _pauses.GetValueOrDefault(partition) + 1;
                    _ = ResumeAsync(partition, pause, _options.NetworkRecoveryInterval);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync();
        // Its consumers closed first (returning what it held), then the partitions go to the other members or processes.
        await AssignAsync([], CancellationToken.None);
        await _group.LeaveAsync(this);
        _ready.Writer.TryComplete();
        while (_ready.Reader.TryRead(out _))
        {
        }

        _disposed.Dispose();
    }

    private async ValueTask RewindAsync(TransportDelivery delivery, TimeSpan delay, bool failed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (delivery.State is not Receipt receipt)
        {
            return;
        }

        int pause;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_assigned.TryGetValue(delivery.Partition, out var consumer) || consumer != receipt.Consumer || !consumer.Owns(receipt.Tag))
            {
                return; // Voided by an earlier rewind, or the partition moved: ignored, as the contract says.
            }

            var count = failed ? delivery.DeliveryCount + 1 : delivery.DeliveryCount;
            var firstFailedAt = failed ? delivery.FirstFailedAt ?? _timeProvider.GetUtcNow() : delivery.FirstFailedAt;
            consumer.State.Schedule(delivery.Envelope.EventId, count, firstFailedAt);
            _assigned[delivery.Partition] = null;
            pause = _pauses[delivery.Partition] = _pauses.GetValueOrDefault(delivery.Partition) + 1;
            await consumer.CloseAsync();
        }
        finally
        {
            _gate.Release();
        }

        _ = ResumeAsync(delivery.Partition, pause, delay);
    }

    /// <summary>Consumes a paused partition again after <paramref name="delay"/>, unless it moved or was paused again since.</summary>
    private async Task ResumeAsync(int partition, int pause, TimeSpan delay)
    {
        var stopping = _disposed.Token;
        try
        {
            await Task.Delay(delay, _timeProvider, stopping);
            while (true)
            {
                await _gate.WaitAsync(stopping);
                try
                {
                    if (!_assigned.TryGetValue(partition, out var consumer) || consumer is not null || _pauses.GetValueOrDefault(partition) != pause)
                    {
                        return;
                    }

                    _assigned[partition] = await StartAsync(partition, stopping);
                    return;
                }
#pragma warning disable CA1031 // The broker is unreachable: the client reconnects meanwhile, and the partition is tried again.
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                }
                finally
                {
                    _gate.Release();
                }

                await Task.Delay(_options.NetworkRecoveryInterval, _timeProvider, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The listener closed.
        }
        catch (ObjectDisposedException)
        {
            // The listener closed while the partition waited.
        }
    }

    private Task<PartitionConsumer> StartAsync(int partition, CancellationToken cancellationToken) =>
        PartitionConsumer.StartAsync(_connection, _group.Queue(partition), partition, (ushort)_options.PrefetchCount,
            _group.Partitions[partition], _ready.Writer, _group.Unreadable, cancellationToken);
}
