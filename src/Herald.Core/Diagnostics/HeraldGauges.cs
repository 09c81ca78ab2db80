using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Herald.Consuming;
using Herald.DeadLetters;
using Herald.Hosting;
using Herald.Outbox;
using Herald.Transports;

namespace Herald.Diagnostics;

/// <summary>Herald's observable gauges: consumer lag, dead-letter and outbox backlogs, circuit state, reorder buffers.</summary>
/// <remarks>
/// Lag is asked of the transport on every collection (the built-in transports answer from memory, synchronously);
/// dead letters come from the ledger's running count (one listing, at first use); the outbox is asked at most every
/// <see cref="StoreRefresh"/>, since counting outbox rows is a query. docs/observability/metrics.md describes the cost.
/// </remarks>
internal sealed class HeraldGauges
{
    /// <summary>How long a dead-letter or outbox reading is reported before the store is asked again.</summary>
    public static readonly TimeSpan StoreRefresh = TimeSpan.FromSeconds(15);

    private readonly IReadOnlyList<Subscription> _subscriptions;
    private readonly string _system;
    private readonly KeyValuePair<string, object?>[] _systemTag;
    private readonly ConcurrentDictionary<Subscription, ConsumerTelemetry> _consumers;
    private readonly CachedValue<IReadOnlyList<PartitionLag>?>[] _lags;
    private readonly CachedValue<IReadOnlyDictionary<(string Group, string Topic, DeadLetterStatus Status), long>> _deadLetters;
    private readonly CachedValue<OutboxStatistics>? _outbox;

    public HeraldGauges(
        Meter meter,
        HeraldModel model,
        ITransport transport,
        string system,
        TimeProvider timeProvider,
        HeraldGaugeSources sources,
        ConcurrentDictionary<Subscription, ConsumerTelemetry> consumers)
    {
        _subscriptions = model.Subscriptions;
        _system = system;
        _systemTag = [new(MessagingAttributes.System, system)];
        _consumers = consumers;
        _lags = [.. _subscriptions.Select(s => new CachedValue<IReadOnlyList<PartitionLag>?>(() => transport.GetLagAsync(s.Topic, s.Group), timeProvider, TimeSpan.Zero))];
        // The ledger keeps a running count: no listing after the first, so no need to space the readings out.
        _deadLetters = new(() => sources.DeadLetters().CountsAsync(), timeProvider, TimeSpan.Zero);

        meter.CreateObservableGauge("herald.consumer.lag", ObserveLag, "{message}", "Events of a partition a consumer group has not completed.");
        meter.CreateObservableGauge("herald.dead_letter.pending", ObserveDeadLetters, "{message}", "Pending dead letters of a consumer group on a topic.");
        meter.CreateObservableGauge("herald.dead_letter.stored", ObserveStoredDeadLetters, "{message}", "Dead letters a consumer group keeps on a topic, by status (pending, redriven).");
        meter.CreateObservableGauge("herald.consumer.circuit.state", ObserveCircuits, "{state}", "A subscription's circuit breaker: 0 closed, 1 open, 2 half-open.");
        meter.CreateObservableGauge("herald.consumer.reorder.buffered", () => ObserveReorder(static c => c.Buffered()), "{message}", "Events a subscription's reorder buffers hold.");
        meter.CreateObservableGauge("herald.consumer.reorder.keys", () => ObserveReorder(static c => c.KeysInMemory()), "{key}", "Partition keys a subscription's reorder buffers hold in memory.");
        meter.CreateObservableCounter("herald.consumer.reorder.evicted_keys", () => ObserveReorder(static c => c.KeysEvicted()), "{key}", "Partition keys a subscription's reorder buffers evicted from memory.");
        if (sources.Outbox is { } outbox)
        {
            _outbox = new(() => outbox().GetStatisticsAsync(CancellationToken.None), timeProvider, StoreRefresh);
            meter.CreateObservableGauge("herald.outbox.pending", () => ObserveOutbox(s => s.UndispatchedCount), "{message}", "Undispatched outbox rows.");
            meter.CreateObservableGauge("herald.outbox.oldest_age", () => ObserveOutbox(s => s.OldestUndispatchedAge.TotalSeconds), "s", "Age of the oldest undispatched outbox row.");
            meter.CreateObservableGauge("herald.outbox.quarantine.pending", () => ObserveOutbox(s => s.QuarantinedCount), "{message}", "Quarantined outbox rows waiting for an operator.");
        }
    }

    private List<Measurement<long>> ObserveLag()
    {
        var measurements = new List<Measurement<long>>();
        for (var i = 0; i < _subscriptions.Count; i++)
        {
            if (!_lags[i].TryGet(out var lags) || lags is null)
            {
                continue;
            }

            var subscription = _subscriptions[i];
            foreach (var lag in lags)
            {
                measurements.Add(new(
                    lag.Lag,
                    Tag(MessagingAttributes.System, _system),
                    Tag(MessagingAttributes.DestinationName, subscription.Topic),
                    Tag(MessagingAttributes.ConsumerGroup, subscription.Group),
                    Tag(MessagingAttributes.PartitionId, lag.Partition.ToString(CultureInfo.InvariantCulture))));
            }
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveDeadLetters()
    {
        var measurements = new List<Measurement<long>>();
        if (!_deadLetters.TryGet(out var counts))
        {
            return measurements;
        }

        foreach (var subscription in _subscriptions)
        {
            measurements.Add(new(counts.GetValueOrDefault((subscription.Group, subscription.Topic, DeadLetterStatus.Pending)), SubscriptionTags(subscription)));
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveStoredDeadLetters()
    {
        var measurements = new List<Measurement<long>>();
        if (!_deadLetters.TryGet(out var counts))
        {
            return measurements;
        }

        foreach (var ((group, topic, status), count) in counts)
        {
            measurements.Add(new(
                count,
                Tag(MessagingAttributes.System, _system),
                Tag(MessagingAttributes.DestinationName, topic),
                Tag(MessagingAttributes.ConsumerGroup, group),
                Tag(MessagingAttributes.DeadLetterStatus, DeadLetterJson.Name(status))));
        }

        return measurements;
    }

    private List<Measurement<int>> ObserveCircuits()
    {
        var measurements = new List<Measurement<int>>();
        foreach (var consumer in _consumers.Values)
        {
            if (consumer.Breaker is { } breaker)
            {
                measurements.Add(new(breaker.State, consumer.Tags));
            }
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveReorder(Func<ConsumerTelemetry, long?> read)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var consumer in _consumers.Values)
        {
            if (read(consumer) is { } value)
            {
                measurements.Add(new(value, consumer.Tags));
            }
        }

        return measurements;
    }

    private IEnumerable<Measurement<T>> ObserveOutbox<T>(Func<OutboxStatistics, T> read)
        where T : struct =>
        _outbox!.TryGet(out var statistics) ? [new Measurement<T>(read(statistics), _systemTag)] : [];

    private KeyValuePair<string, object?>[] SubscriptionTags(Subscription subscription) =>
    [
        Tag(MessagingAttributes.System, _system),
        Tag(MessagingAttributes.DestinationName, subscription.Topic),
        Tag(MessagingAttributes.ConsumerGroup, subscription.Group),
    ];

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}
