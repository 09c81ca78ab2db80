using Herald.DeadLetters;

namespace Herald.Consuming;

/// <summary>How one delivery failed: the last exception, how many handler calls it took, and when the first of them failed.</summary>
internal sealed record DeliveryFailure(DeadLetterReason Reason, Exception Exception, Type? Handler, int Attempts, DateTimeOffset FirstFailedAt)
{
    /// <summary>Gets the event id of the dead letter a parked event waits behind.</summary>
    public string? ParkedBehind { get; init; }
}
