using Herald.Consuming.Ordering;

namespace Herald.Consuming;

/// <summary>Configures how one consumer group consumes.</summary>
public sealed class ConsumerGroupOptions
{
    /// <summary>Gets or sets how many competing members the group runs in this process, per topic. Default 1, from 1 to 64.</summary>
    /// <remarks>Members share the topic's partitions; each member handles its events one at a time.</remarks>
    public int Members { get; set; } = 1;

    /// <summary>
    /// Gets or sets how many partition keys a member handles at once. Default 1: one event at a time, and a failed
    /// event holds back its whole partition until its retry. From 1 to 1,024.
    /// </summary>
    /// <remarks>
    /// Above 1, events of different keys run concurrently and a failed event holds back only its own key: later events
    /// of that key wait behind it, in order, while every other key flows. The retry schedule then lives in the member:
    /// after a restart the waiting event is retried at once. Events without a key run in any order.
    /// </remarks>
    public int MaxConcurrentKeys { get; set; } = 1;

    /// <summary>
    /// Gets or sets the reorder buffer: events with a sequence number (<see cref="Events.EventEnvelope.Sequence"/>) and a
    /// partition key are handled in sequence order per key, repeats of a handled number are dropped as duplicates, and
    /// gaps wait up to <see cref="ReorderOptions.GapTimeout"/>. Default <see langword="null"/>: events are handled as
    /// they arrive.
    /// </summary>
    /// <remarks>A group with a reorder buffer handles keys in lanes, as with <see cref="MaxConcurrentKeys"/> above 1. Its
    /// positions per key are kept in an <see cref="Ordering.ISequencePositionStore"/> registered in the application's services,
    /// else in the transport's (<see cref="Transports.ITransport.SequencePositions"/>); with neither (RabbitMQ keeps none)
    /// the host refuses to start.</remarks>
    public ReorderOptions? Reorder { get; set; }

    /// <summary>Gets or sets how many deliveries a member takes from the transport at once. Default 256, from 1 to 10,000.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>Gets or sets when the group acknowledges an event to the transport. Default <see cref="AcknowledgementMode.AtLeastOnce"/>.</summary>
    public AcknowledgementMode Acknowledgement { get; set; } = AcknowledgementMode.AtLeastOnce;

    /// <summary>
    /// Gets or sets how many times a failed handler is called again at once, before the event is delivered again after
    /// <see cref="RedeliveryDelay"/>. Default 0, from 0 to 10. Immediate retries ride out blips (a lost connection, a
    /// deadlock victim) without making the partition wait.
    /// </summary>
    public int ImmediateRetries { get; set; }

    /// <summary>
    /// Gets or sets the group's circuit breaker: after repeated handler failures the group stops fetching for a while,
    /// then probes with one event. Default <see langword="null"/>: no breaker.
    /// </summary>
    public CircuitBreakerOptions? CircuitBreaker { get; set; }

    /// <summary>
    /// Gets or sets how many times a failed event is delivered again after a delay, before it goes to the group's
    /// dead-letter queue. Default 5, from 0 to 1,000; <see langword="null"/> redelivers it for ever.
    /// </summary>
    /// <remarks>
    /// Each delivery calls the handler up to 1 + <see cref="ImmediateRetries"/> times. The schedule is durable on a
    /// durable transport: a restart continues it. Events that cannot be read (bad payload, unsupported version) go to
    /// the dead-letter queue at once.
    /// </remarks>
    public int? DelayedRetries { get; set; } = 5;

    /// <summary>
    /// Gets or sets whether a dead letter holds back the later events of its partition key. Default <see langword="false"/>:
    /// they are handled as they come.
    /// </summary>
    /// <remarks>
    /// When set, an event whose key has a dead letter in the group is dead-lettered too, as
    /// <see cref="DeadLetters.DeadLetterReason.Parked"/> behind it, without calling the handler. Once the first of the
    /// key's dead letters is redriven and handled, the events parked behind it are redriven in order automatically;
    /// purging it and redriving the rest releases them. The key's events are thus handled in order, however long the
    /// first one waits for an operator.
    /// </remarks>
    public bool KeepKeyOrderOnDeadLetter { get; set; }

    /// <summary>Gets or sets the wait before a failed event is delivered again; it doubles per attempt. Default 1 s.</summary>
    /// <remarks>While it waits, later events of the same partition wait too, so per-key order holds.</remarks>
    public TimeSpan RedeliveryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest wait before a failed event is delivered again. Default 1 min.</summary>
    public TimeSpan MaxRedeliveryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets how much each redelivery delay varies at random, as a fraction of it: 0.2 waits from 80% to 120%.
    /// Default 0.2, from 0 to 1. Jitter keeps the members of many groups from retrying against a dependency in step.
    /// </summary>
    public double RedeliveryJitter { get; set; } = 0.2;

    internal void Validate(string group)
    {
        if (Members is < 1 or > 64)
        {
            throw new InvalidOperationException($"Consumer group '{group}': Members is {Members}; it must be from 1 to 64.");
        }

        if (BatchSize is < 1 or > 10_000)
        {
            throw new InvalidOperationException($"Consumer group '{group}': BatchSize is {BatchSize}; it must be from 1 to 10,000.");
        }

        if (MaxConcurrentKeys is < 1 or > 1024)
        {
            throw new InvalidOperationException($"Consumer group '{group}': MaxConcurrentKeys is {MaxConcurrentKeys}; it must be from 1 to 1,024.");
        }

        if (ImmediateRetries is < 0 or > 10)
        {
            throw new InvalidOperationException($"Consumer group '{group}': ImmediateRetries is {ImmediateRetries}; it must be from 0 to 10.");
        }

        if (!Enum.IsDefined(Acknowledgement))
        {
            throw new InvalidOperationException($"Consumer group '{group}': Acknowledgement {Acknowledgement} is not a defined mode.");
        }

        if (DelayedRetries is < 0 or > 1000)
        {
            throw new InvalidOperationException($"Consumer group '{group}': DelayedRetries is {DelayedRetries}; it must be from 0 to 1,000, or null to retry for ever.");
        }

        if (!(RedeliveryJitter is >= 0 and <= 1))
        {
            throw new InvalidOperationException($"Consumer group '{group}': RedeliveryJitter is {RedeliveryJitter}; it must be from 0 to 1.");
        }

        CircuitBreaker?.Validate(group);
        Reorder?.Validate(group);
        if (RedeliveryDelay < TimeSpan.Zero || MaxRedeliveryDelay < RedeliveryDelay)
        {
            throw new InvalidOperationException(
                $"Consumer group '{group}': RedeliveryDelay ({RedeliveryDelay}) must be ≥ 0 and ≤ MaxRedeliveryDelay ({MaxRedeliveryDelay}).");
        }
    }

    /// <summary>Returns the wait before delivery <paramref name="deliveryCount"/> + 1, before jitter.</summary>
    internal TimeSpan DelayFor(int deliveryCount)
    {
        var factor = Math.Pow(2, Math.Min(deliveryCount - 1, 30));
        var delay = RedeliveryDelay * factor;
        return delay > MaxRedeliveryDelay ? MaxRedeliveryDelay : delay;
    }

    /// <summary>Returns <see cref="DelayFor"/> varied by <see cref="RedeliveryJitter"/>; <paramref name="random"/> is from 0 to 1.</summary>
    internal TimeSpan JitteredDelayFor(int deliveryCount, double random) =>
        DelayFor(deliveryCount) * (1 + (RedeliveryJitter * ((2 * random) - 1)));

    /// <summary>Says whether delivery <paramref name="deliveryCount"/> was the last before the dead-letter queue.</summary>
    internal bool IsLastDelivery(int deliveryCount) => DelayedRetries is { } retries && deliveryCount > retries;
}
