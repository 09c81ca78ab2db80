namespace Herald.DeadLetters;

/// <summary>Says that a consumer group's dead-letter queue is full of pending letters, so an event it gave up on was held back instead.</summary>
/// <remarks>The event is not acknowledged: it comes again once dead letters of the group are redriven or purged (see <see cref="DeadLetterOptions"/>).</remarks>
public sealed class DeadLetterQueueFullException : Exception
{
    /// <summary>Creates the exception for <paramref name="group"/>, full at <paramref name="capacity"/> pending letters, holding back <paramref name="eventId"/>.</summary>
    public DeadLetterQueueFullException(string group, int capacity, string eventId)
        : base($"The dead-letter queue of consumer group '{group}' holds {capacity} pending dead letters, its cap (DeadLetterOptions.MaxLettersPerGroup): " +
            $"event {eventId} is neither dead-lettered nor acknowledged, and its partition waits, until dead letters of the group are redriven or purged ('herald dlq').")
    {
        Group = group;
        Capacity = capacity;
        EventId = eventId;
    }

    /// <summary>Creates the exception with no details.</summary>
    public DeadLetterQueueFullException()
        : this(string.Empty)
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DeadLetterQueueFullException(string message)
        : base(message)
    {
        Group = EventId = string.Empty;
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public DeadLetterQueueFullException(string message, Exception innerException)
        : base(message, innerException)
    {
        Group = EventId = string.Empty;
    }

    /// <summary>Gets the consumer group whose queue is full.</summary>
    public string Group { get; }

    /// <summary>Gets the cap the queue reached.</summary>
    public int Capacity { get; }

    /// <summary>Gets the id of the event held back.</summary>
    public string EventId { get; }
}
