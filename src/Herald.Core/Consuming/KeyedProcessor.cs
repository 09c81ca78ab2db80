using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Transports;
using Microsoft.Extensions.Logging;

namespace Herald.Consuming;

/// <summary>
/// Handles one member's deliveries with several partition keys at once (up to
/// <see cref="ConsumerGroupOptions.MaxConcurrentKeys"/>), each key strictly in order: a key whose event waits for a
/// retry holds its later events back while every other key, in the same partition or not, flows on.
/// </summary>
/// <remarks>
/// Each key has a lane, a queue of its deliveries. A failed event stays at the head of its lane until its delay ends;
/// the partition is never rewound. Deliveries are settled with the transport in offset order per partition, as each
/// becomes the oldest unsettled one, so a crash redelivers from the oldest unfinished event (later events of other
/// keys come again too; the inbox makes that harmless). The retry schedule lives in this object: a restart retries a
/// waiting event at once, counting from its transport delivery count. Not thread-safe: one member's loop drives it.
/// </remarks>
internal sealed class KeyedProcessor(DeliveryProcessor processor, TimeProvider timeProvider, ILogger logger, SequenceGate? gate = null)
{
    private readonly Dictionary<(int Partition, string Key), Lane> _lanes = [];
    private readonly Dictionary<int, Partition> _partitions = [];
    private readonly Lock _settle = new();
    private readonly ConsumerGroupOptions _options = processor.Subscription.Options;
    private readonly List<TransportDelivery> _rejected = [];
    private int _tracked;

    /// <summary>Gets how many more deliveries the member may take from the transport now.</summary>
    public int Room => Math.Max(0, (_options.BatchSize * 4) - Volatile.Read(ref _tracked));

    /// <summary>Gets when the next waiting retry is due, or <see langword="null"/> when no lane waits.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            DateTimeOffset? due = gate?.NextDeadline;
            foreach (var lane in _lanes.Values)
            {
                if (lane.RetryAt is { } at && lane.Pending.Count > 0 && (due is null || at < due))
                {
                    due = at;
                }
            }

            return due;
        }
    }

    /// <summary>Queues <paramref name="batch"/> on its keys' lanes, runs every lane that can run until none can, and settles what finished.</summary>
    /// <returns>How many handling attempts ran.</returns>
    public async ValueTask<int> ProcessAsync(ITransportListener listener, List<TransportDelivery> batch, CancellationToken stopping, CancellationToken abort)
    {
        foreach (var delivery in batch)
        {
            Track(delivery);
        }

        if (gate is not null)
        {
            await ReorderAsync(batch, abort).ConfigureAwait(false);
        }
        else
        {
            foreach (var delivery in batch)
            {
                Enqueue(delivery);
            }
        }

        var processed = 0;
        var running = new List<(Lane Lane, Task<int> Run)>();
        while (true)
        {
            if (!stopping.IsCancellationRequested)
            {
                var now = timeProvider.GetUtcNow();
                foreach (var lane in _lanes.Values)
                {
                    if (running.Count >= _options.MaxConcurrentKeys)
                    {
                        break;
                    }

                    if (!lane.Running && lane.Pending.Count > 0 && (lane.RetryAt is null || lane.RetryAt <= now))
                    {
                        lane.Running = true;
                        running.Add((lane, Task.Run(() => RunLaneAsync(lane, stopping, abort), CancellationToken.None)));
                    }
                }
            }

            if (running.Count == 0)
            {
                break;
            }

            var done = await Task.WhenAny(running.Select(r => r.Run)).ConfigureAwait(false);
            var index = running.FindIndex(r => r.Run == done);
            var finished = running[index].Lane;
            running.RemoveAt(index);
            finished.Running = false;
            processed += await done.ConfigureAwait(false);
            await SettleAsync(listener, abort).ConfigureAwait(false);
        }

        foreach (var key in _lanes.Where(l => l.Value.Pending.Count == 0).Select(l => l.Key).ToList())
        {
            _lanes.Remove(key);
        }

        if (gate is not null)
        {
            await gate.SaveAsync(abort).ConfigureAwait(false);
            await gate.SweepAsync(abort).ConfigureAwait(false);
        }

        await SettleAsync(listener, abort).ConfigureAwait(false);
        return processed;
    }

    // Passes the sequenced deliveries through the reorder buffer: what it releases goes to the lanes in sequence order.
    private async ValueTask ReorderAsync(List<TransportDelivery> batch, CancellationToken abort)
    {
        var offered = new List<TransportDelivery>(_rejected.Count + batch.Count);
        offered.AddRange(_rejected);
        offered.AddRange(batch);
        _rejected.Clear();
        foreach (var delivery in offered)
        {
            if (!SequenceGate.Applies(delivery))
            {
                Enqueue(delivery);
                continue;
            }

            var result = await gate!.OfferAsync(delivery, abort).ConfigureAwait(false);
            switch (result.Disposition)
            {
                case ReorderDisposition.Duplicate:
                    processor.ReportDuplicate(delivery.Envelope);
                    Settled(delivery);
                    break;
                case ReorderDisposition.Late:
                    await OutOfSequenceAsync(delivery, "arrived after its key's reorder buffer gave up waiting for it", abort).ConfigureAwait(false);
                    break;
                case ReorderDisposition.Rejected:
                    _rejected.Add(delivery);
                    break;
            }

            await ApplyAsync(result, abort).ConfigureAwait(false);
        }

        if (gate!.ExpireDue() is { } expired)
        {
            await ApplyAsync(expired, abort).ConfigureAwait(false);
        }
    }

    private async ValueTask ApplyAsync(ReorderResult<TransportDelivery> result, CancellationToken abort)
    {
        foreach (var released in result.Released)
        {
            Enqueue(released.Item);
        }

        foreach (var expired in result.Expired)
        {
            await OutOfSequenceAsync(expired.Item, "waited longer than the reorder buffer's gap timeout for an earlier sequence number", abort).ConfigureAwait(false);
        }

        foreach (var gap in result.Gaps)
        {
            LogMessages.SequenceGapSkipped(logger, processor.Subscription.Group, gap.Key, gap.First, gap.Last);
        }
    }

    private async ValueTask OutOfSequenceAsync(TransportDelivery delivery, string why, CancellationToken abort)
    {
        var envelope = delivery.Envelope;
        var exception = new OutOfSequenceException($"Event {envelope.EventId} (key '{envelope.PartitionKey}', sequence {envelope.Sequence}) {why}.");
        var failure = new DeliveryFailure(DeadLetterReason.OutOfSequence, exception, null, 0, timeProvider.GetUtcNow());
        await processor.DeadLetters.WriteAsync(processor.Subscription, delivery, failure, abort).ConfigureAwait(false);
        gate?.DealtWith(delivery);
        Settled(delivery);
    }

    private void Track(TransportDelivery delivery)
    {
        if (!_partitions.TryGetValue(delivery.Partition, out var partition))
        {
            _partitions[delivery.Partition] = partition = new Partition();
        }

        lock (_settle)
        {
            if (partition.Entries.Count > 0 && delivery.Offset <= partition.LastOffset)
            {
                // The partition moved away and back, or the transport redelivers from its committed offset: what this
                // member still holds of it is void, and comes again in this delivery's stream.
                _tracked -= partition.Entries.Count;
                partition.Entries.Clear();
                foreach (var lane in _lanes.Values.Where(l => l.Partition == delivery.Partition && !l.Running))
                {
                    lane.Pending.Clear();
                    lane.Reset();
                }

                // The reorder buffer released or holds events of the void deliveries: they must pass it again.
                _rejected.RemoveAll(r => r.Partition == delivery.Partition);
                gate?.Void(delivery.Partition);
            }

            partition.Entries.Enqueue(new Entry(delivery));
            partition.LastOffset = delivery.Offset;
            _tracked++;
        }
    }

    private void Enqueue(TransportDelivery delivery)
    {
        // Events without a key promise no order: each runs on a lane of its own.
        var key = delivery.Envelope.PartitionKey ?? $"\0{delivery.Offset}";
        if (!_lanes.TryGetValue((delivery.Partition, key), out var keyLane))
        {
            _lanes[(delivery.Partition, key)] = keyLane = new Lane(delivery.Partition);
        }

        keyLane.Pending.Enqueue(delivery);
    }

    private async Task<int> RunLaneAsync(Lane lane, CancellationToken stopping, CancellationToken abort)
    {
        var attempts = 0;
        var atMostOnce = _options.Acknowledgement == AcknowledgementMode.AtMostOnce;
        while (!stopping.IsCancellationRequested && lane.Pending.TryPeek(out var delivery))
        {
            if (processor.Breaker?.RemainingBreak() is { } pause && pause > TimeSpan.Zero)
            {
                lane.RetryAt = timeProvider.GetUtcNow() + pause;
                return attempts;
            }

            var attempt = lane.Failures == 0
                ? delivery
                : new TransportDelivery(delivery.Envelope, delivery.Partition, delivery.Offset, delivery.DeliveryCount + lane.Failures)
                {
                    State = delivery.State,
                    FirstFailedAt = delivery.FirstFailedAt ?? lane.FirstFailedAt,
                };
            if (atMostOnce && lane.Failures == 0)
            {
                Settled(delivery);
            }

            var (outcome, failure) = await processor.HandleAsync(attempt, abort).ConfigureAwait(false);
            switch (outcome)
            {
                case DeliveryProcessor.Outcome.Aborted:
                    return attempts;
                case DeliveryProcessor.Outcome.CircuitOpen:
                    lane.RetryAt = timeProvider.GetUtcNow() + Max(processor.Breaker!.RemainingBreak(), _options.RedeliveryDelay);
                    return attempts;
                case DeliveryProcessor.Outcome.Handled:
                    Next(lane, delivery, settle: !atMostOnce);
                    break;
                case DeliveryProcessor.Outcome.Failed when atMostOnce:
                    await processor.DeadLetters.WriteAsync(processor.Subscription, attempt, failure! with { Reason = DeadLetterReason.FailedAtMostOnce }, abort).ConfigureAwait(false);
                    Next(lane, delivery, settle: false);
                    break;
                case DeliveryProcessor.Outcome.Failed when failure!.Reason != DeadLetterReason.HandlerFailed || _options.IsLastDelivery(attempt.DeliveryCount):
                    await processor.DeadLetters.WriteAsync(processor.Subscription, attempt, failure, abort).ConfigureAwait(false);
                    Next(lane, delivery, settle: true);
                    break;
                case DeliveryProcessor.Outcome.Failed:
                    var delay = _options.JitteredDelayFor(attempt.DeliveryCount, Random.Shared.NextDouble());
                    LogMessages.HandlerFailed(logger, failure.Exception, processor.Subscription.Group, delivery.Envelope.EventType, delivery.Envelope.EventId, failure.Attempts, delay);
                    lane.Fail();
                    processor.Telemetry?.Redelivered();
                    lane.FirstFailedAt ??= failure.FirstFailedAt;
                    lane.RetryAt = timeProvider.GetUtcNow() + delay;
                    return attempts + 1;
            }

            attempts++;
        }

        return attempts;
    }

    private void Next(Lane lane, TransportDelivery delivery, bool settle)
    {
        lane.Pending.Dequeue();
        lane.Reset();
        gate?.DealtWith(delivery);
        if (settle)
        {
            Settled(delivery);
        }
    }

    private void Settled(TransportDelivery delivery)
    {
        lock (_settle)
        {
            if (_partitions.TryGetValue(delivery.Partition, out var partition))
            {
                foreach (var entry in partition.Entries)
                {
                    if (ReferenceEquals(entry.Delivery, delivery))
                    {
                        entry.Done = true;
                        break;
                    }
                }
            }
        }
    }

    // Completes, in offset order per partition, every delivery that is done and has no unfinished one before it.
    private async ValueTask SettleAsync(ITransportListener listener, CancellationToken abort)
    {
        List<TransportDelivery>? ready = null;
        lock (_settle)
        {
            foreach (var partition in _partitions.Values)
            {
                while (partition.Entries.TryPeek(out var entry) && entry.Done)
                {
                    partition.Entries.Dequeue();
                    _tracked--;
                    (ready ??= []).Add(entry.Delivery);
                }
            }
        }

        foreach (var delivery in ready ?? [])
        {
            await listener.CompleteAsync(delivery, abort).ConfigureAwait(false);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private sealed class Partition
    {
        public Queue<Entry> Entries { get; } = new();

        public long LastOffset { get; set; } = -1;
    }

    private sealed class Entry(TransportDelivery delivery)
    {
        public TransportDelivery Delivery { get; } = delivery;

        public bool Done { get; set; }
    }

    private sealed class Lane(int partition)
    {
        public int Partition { get; } = partition;

        public Queue<TransportDelivery> Pending { get; } = new();

        public bool Running { get; set; }

        public int Failures { get; private set; }

        public DateTimeOffset? FirstFailedAt { get; set; }

        public DateTimeOffset? RetryAt { get; set; }

        public void Fail() => Failures++;

        public void Reset()
        {
            Failures = 0;
            FirstFailedAt = null;
            RetryAt = null;
        }
    }
}
