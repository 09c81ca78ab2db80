using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Herald.Consuming;
using Herald.DeadLetters;
using Herald.Hosting;
using Herald.Transports;

namespace Herald.Diagnostics;

/// <summary>Herald's meter and the instruments the publish and consume paths record to; one per container.</summary>
/// <remarks>
/// Every recording checks the instrument's <c>Enabled</c> first: with no listener nothing is tagged or allocated.
/// The meter comes from the container's <see cref="IMeterFactory"/> when it has one (the generic host registers it),
/// so it is disposed with the container; otherwise this object owns and disposes it.
/// </remarks>
internal sealed class HeraldMetrics
{
    private readonly Meter _meter;
    private readonly TimeProvider _time;
    private readonly Counter<long> _sent;
    private readonly Histogram<double> _sendDuration;
    private readonly Counter<long> _consumed;
    private readonly Histogram<double> _processDuration;
    private readonly Counter<long> _redeliveries;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _deadLettersEvicted;
    private readonly Counter<long> _outboxQuarantined;
    private readonly ConcurrentDictionary<Subscription, ConsumerTelemetry> _consumers = new();

    public HeraldMetrics(HeraldModel model, ITransport transport, TimeProvider timeProvider, IMeterFactory meterFactory, HeraldGaugeSources gaugeSources)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _time = timeProvider;
        MessagingSystem = transport.MessagingSystem;
        var options = new MeterOptions(HeraldDiagnostics.MeterName) { Version = HeraldDiagnostics.Version };
        ArgumentNullException.ThrowIfNull(meterFactory);
        // The factory owns the meter and disposes it with the container.
        _meter = meterFactory.Create(options);

        var durations = new InstrumentAdvice<double> { HistogramBucketBoundaries = MessagingAttributes.DurationBuckets };
        _sent = _meter.CreateCounter<long>("messaging.client.sent.messages", "{message}", "Number of messages a producer attempted to send to the transport.");
        _sendDuration = _meter.CreateHistogram("messaging.client.operation.duration", "s", "Duration of messaging operation initiated by a producer or consumer client.", advice: durations);
        _consumed = _meter.CreateCounter<long>("messaging.client.consumed.messages", "{message}", "Number of messages that were delivered to the application.");
        _processDuration = _meter.CreateHistogram("messaging.process.duration", "s", "Duration of processing operation.", advice: durations);
        _redeliveries = _meter.CreateCounter<long>("herald.consumer.redeliveries", "{message}", "Delayed redeliveries scheduled after a failed delivery.");
        _deadLettered = _meter.CreateCounter<long>("herald.consumer.dead_lettered", "{message}", "Events put in a consumer group's dead-letter queue.");
        _duplicates = _meter.CreateCounter<long>("herald.consumer.duplicates", "{message}", "Events a consumer group skipped as duplicates.");
        _deadLettersEvicted = _meter.CreateCounter<long>("herald.dead_letter.evicted", "{message}", "Redriven dead letters dropped: their retention ended, or they made room under the cap.");
        _outboxQuarantined = _meter.CreateCounter<long>("herald.outbox.quarantined", "{message}", "Outbox rows a relay quarantined because it could not read or publish them.");
        Gauges = new HeraldGauges(_meter, model, transport, MessagingSystem, timeProvider, gaugeSources, _consumers);
    }

    /// <summary>Gets the transport's <c>messaging.system</c>.</summary>
    public string MessagingSystem { get; }

    public HeraldGauges Gauges { get; }

    public bool ConsumerEnabled => _consumed.Enabled || _processDuration.Enabled;

    /// <summary>Returns the consumer-side instruments of <paramref name="subscription"/>, noting its circuit breaker for the state gauge.</summary>
    public ConsumerTelemetry ForSubscription(Subscription subscription, SubscriptionBreaker? breaker)
    {
        var telemetry = _consumers.GetOrAdd(subscription, s => new ConsumerTelemetry(this, s));
        telemetry.Breaker = breaker;
        return telemetry;
    }

    /// <summary>Returns the timestamp a send starts at, or 0 when no send instrument listens.</summary>
    public long SendStarted() => _sent.Enabled || _sendDuration.Enabled ? _time.GetTimestamp() : 0;

    public void Sent(string topic, long started, Exception? error)
    {
        if (started == 0 || !(_sent.Enabled || _sendDuration.Enabled))
        {
            return;
        }

        var tags = new TagList
        {
            { MessagingAttributes.System, MessagingSystem },
            { MessagingAttributes.DestinationName, topic },
            { MessagingAttributes.OperationName, MessagingAttributes.Send },
        };
        if (error is not null)
        {
            tags.Add(MessagingAttributes.ErrorType, MessagingAttributes.ErrorTypeOf(error));
        }

        _sent.Add(1, in tags);
        tags.Add(MessagingAttributes.OperationType, MessagingAttributes.Send);
        _sendDuration.Record(_time.GetElapsedTime(started).TotalSeconds, in tags);
    }

    public long ProcessStarted(ConsumerTelemetry consumer)
    {
        if (_consumed.Enabled)
        {
            _consumed.Add(1, consumer.ProcessTags);
        }

        return _processDuration.Enabled ? _time.GetTimestamp() : 0;
    }

    public void Processed(ConsumerTelemetry consumer, long started, string? errorType)
    {
        if (started == 0 || !_processDuration.Enabled)
        {
            return;
        }

        var elapsed = _time.GetElapsedTime(started).TotalSeconds;
        if (errorType is null)
        {
            _processDuration.Record(elapsed, consumer.ProcessTags);
            return;
        }

        var tags = new TagList(consumer.ProcessTags) { { MessagingAttributes.ErrorType, errorType } };
        _processDuration.Record(elapsed, in tags);
    }

    public void Redelivered(ConsumerTelemetry consumer)
    {
        if (_redeliveries.Enabled)
        {
            _redeliveries.Add(1, consumer.Tags);
        }
    }

    public void DeadLettered(DeadLetter letter)
    {
        if (_deadLettered.Enabled)
        {
            var tags = new TagList
            {
                { MessagingAttributes.System, MessagingSystem },
                { MessagingAttributes.DestinationName, letter.Topic },
                { MessagingAttributes.ConsumerGroup, letter.Group },
                { MessagingAttributes.DeadLetterReason, DeadLetterJson.Name(letter.Failure.Reason) },
            };
            _deadLettered.Add(1, in tags);
        }
    }

    public void DeadLetterEvicted(string group, string topic, string reason)
    {
        if (_deadLettersEvicted.Enabled)
        {
            var tags = new TagList
            {
                { MessagingAttributes.System, MessagingSystem },
                { MessagingAttributes.DestinationName, topic },
                { MessagingAttributes.ConsumerGroup, group },
                { MessagingAttributes.EvictionReason, reason },
            };
            _deadLettersEvicted.Add(1, in tags);
        }
    }

    public void Duplicate(string group)
    {
        if (_duplicates.Enabled)
        {
            _duplicates.Add(1, new KeyValuePair<string, object?>(MessagingAttributes.System, MessagingSystem), new KeyValuePair<string, object?>(MessagingAttributes.ConsumerGroup, group));
        }
    }

    public void OutboxQuarantined(string topic, Exception error)
    {
        if (_outboxQuarantined.Enabled)
        {
            var tags = new TagList
            {
                { MessagingAttributes.System, MessagingSystem },
                { MessagingAttributes.DestinationName, topic },
                { MessagingAttributes.ErrorType, MessagingAttributes.ErrorTypeOf(error) },
            };
            _outboxQuarantined.Add(1, in tags);
        }
    }
}
