namespace Herald.Consuming.Ordering;

/// <summary>Says what a consumer group's reorder buffer (<see cref="ConsumerGroupOptions.Reorder"/>) does with a key whose gap in sequence numbers does not fill in time.</summary>
public enum GapTimeoutPolicy
{
    /// <summary>Waits for the missing events for ever; the buffer caps then refuse further out-of-order events (back-pressure).</summary>
    KeepWaiting,

    /// <summary>Gives up the missing sequence numbers and releases the waiting events in order; a missing event that arrives later is reported as late.</summary>
    SkipGap,

    /// <summary>Gives up the missing sequence numbers and dead-letters the waiting events in order, with an <see cref="DeadLetters.OutOfSequenceException"/>.</summary>
    DeadLetter,
}
