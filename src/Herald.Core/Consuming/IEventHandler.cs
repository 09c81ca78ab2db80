namespace Herald.Consuming;

/// <summary>Handles events of type <typeparamref name="TEvent"/> for one consumer group.</summary>
/// <remarks>
/// A handler is resolved from a new dependency-injection scope for every delivery. Delivery is
/// at least once: a handler that throws sees the event again, so its effects must tolerate a
/// repeat. Events with the same partition key reach it one at a time, in publish order.
/// </remarks>
/// <typeparam name="TEvent">The event record.</typeparam>
public interface IEventHandler<TEvent>
    where TEvent : notnull
{
    /// <summary>Handles one event; throwing fails the delivery and it is delivered again later.</summary>
    Task HandleAsync(EventContext<TEvent> context);
}
