using Herald.Events;
using Herald.Publishing;

namespace Herald.Consuming;

/// <summary>Gives a handler the event it handles, its envelope and the delivery's circumstances.</summary>
/// <typeparam name="TEvent">The event record.</typeparam>
public sealed class EventContext<TEvent>
    where TEvent : notnull
{
    private readonly IEventPublisher _publisher;

    internal EventContext(TEvent @event, EventEnvelope envelope, int attempt, string consumerGroup, IEventPublisher publisher, CancellationToken cancellationToken)
    {
        Event = @event;
        Envelope = envelope;
        Attempt = attempt;
        ConsumerGroup = consumerGroup;
        _publisher = publisher;
        CancellationToken = cancellationToken;
    }

    /// <summary>Gets the event.</summary>
    public TEvent Event { get; }

    /// <summary>Gets the envelope the event arrived in.</summary>
    public EventEnvelope Envelope { get; }

    /// <summary>Gets which attempt this is to handle the event in this group: 1 the first time.</summary>
    public int Attempt { get; }

    /// <summary>Gets the consumer group the handler runs in.</summary>
    public string ConsumerGroup { get; }

    /// <summary>Gets a token that is cancelled when the host stops before the handler finished.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Publishes an event caused by this one: same correlation id, this event as causation, one level deeper.</summary>
    public ValueTask<EventEnvelope> PublishAsync<TCaused>(TCaused @event, PublishOptions? options = null)
        where TCaused : notnull =>
        _publisher.PublishAsync(@event, options, CancellationToken);

    /// <summary>Publishes a batch of events caused by this one, with one acknowledgement for the batch (see <see cref="IEventPublisher.PublishManyAsync{TEvent}"/>).</summary>
    public ValueTask<IReadOnlyList<EventEnvelope>> PublishManyAsync<TCaused>(IEnumerable<TCaused> events, Func<TCaused, PublishOptions?>? options = null)
        where TCaused : notnull =>
        _publisher.PublishManyAsync(events, options, CancellationToken);
}
