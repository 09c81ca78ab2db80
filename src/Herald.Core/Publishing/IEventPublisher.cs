using Herald.Events;

namespace Herald.Publishing;

/// <summary>Publishes events to every consumer group subscribed to their topic.</summary>
/// <remarks>
/// Inside a handler, a publish inherits the handled event's correlation id, takes its event id as
/// causation id and goes one level deeper in the causation chain. Safe to use from any thread.
/// </remarks>
public interface IEventPublisher
{
    /// <summary>Publishes <paramref name="event"/> and returns the envelope it travelled in.</summary>
    /// <remarks>When the task completes the transport has accepted the event with its durability guarantee.</remarks>
    /// <exception cref="InvalidOperationException">The event type is not registered.</exception>
    /// <exception cref="CausationDepthExceededException">The publish would exceed the maximum causation depth.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    /// <exception cref="EventTooLargeException">The payload, an identifier, a header or the number of headers is over
    /// <see cref="Hosting.HeraldOptions.Limits"/>; nothing was sent.</exception>
    ValueTask<EventEnvelope> PublishAsync<TEvent>(TEvent @event, PublishOptions? options = null, CancellationToken cancellationToken = default)
        where TEvent : notnull;

    /// <summary>Publishes a batch of events with one acknowledgement for the batch and returns their envelopes, in batch order.</summary>
    /// <remarks>
    /// <para>
    /// An awaited <see cref="PublishAsync{TEvent}"/> per event waits for one durable acknowledgement each: on the embedded
    /// log one fsync per event, about a thousand events/s. This method builds every envelope, then hands the batch to the
    /// transport at once: the embedded log appends it and fsyncs once per partition the batch touches (its events
    /// without a partition key all go to one partition); other transports send the events concurrently and the task
    /// completes when all are accepted. When it completes, every event is accepted as after <see cref="PublishAsync{TEvent}"/>.
    /// </para>
    /// <para>
    /// Each event is published as <see cref="PublishAsync{TEvent}"/> would publish it on its own: its topic, partition key,
    /// send span and metrics are its own, and inside a handler it takes the handled event as its cause. Events with the
    /// same partition key are handled in batch order. Events of several types, and so several topics, may share a batch.
    /// </para>
    /// <para>
    /// Every envelope is built and checked (registration, causation depth, <see cref="Hosting.HeraldOptions.Limits"/>)
    /// before anything is sent, so an invalid event fails the call with nothing sent. A transport failure during the send
    /// fails the call with the transport's exception, and then some events may have been accepted: on the embedded log,
    /// those of the partitions that acknowledged their part; on other transports, those of the keys sent before the
    /// failure. Publish with fixed <see cref="PublishOptions.EventId"/>s to retry such a batch without duplicates for
    /// consumers that deduplicate.
    /// </para>
    /// </remarks>
    /// <param name="events">The events, in publish order; an empty batch publishes nothing. A batch is held in memory
    /// whole: tens of thousands of small events are fine, split larger streams.</param>
    /// <param name="options">Returns the options of each event, or <see langword="null"/> for its defaults; called once per
    /// event, in batch order. Default: every event with its defaults.</param>
    /// <param name="cancellationToken">Cancels the wait; once the batch is handed to the transport it may still be published.</param>
    /// <returns>The envelopes the events travelled in, in the order of <paramref name="events"/>.</returns>
    /// <exception cref="InvalidOperationException">An event type is not registered; nothing was sent.</exception>
    /// <exception cref="CausationDepthExceededException">The publish would exceed the maximum causation depth; nothing was sent.</exception>
    /// <exception cref="ArgumentException">An event is <see langword="null"/> or an option is invalid; the message names it; nothing was sent.</exception>
    /// <exception cref="EventTooLargeException">An event is over <see cref="Hosting.HeraldOptions.Limits"/>; nothing was sent.</exception>
    ValueTask<IReadOnlyList<EventEnvelope>> PublishManyAsync<TEvent>(IEnumerable<TEvent> events, Func<TEvent, PublishOptions?>? options = null, CancellationToken cancellationToken = default)
        where TEvent : notnull;
}
