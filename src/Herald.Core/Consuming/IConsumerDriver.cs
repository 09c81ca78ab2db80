namespace Herald.Consuming;

/// <summary>Runs Herald's consumers in the caller's flow instead of in the background; for test harnesses and tools.</summary>
/// <remarks>Use it only when the host's background consumers are not started: one listener per group member
/// must not be driven from two places.</remarks>
public interface IConsumerDriver
{
    /// <summary>Handles every delivery that is ready now in every subscription, once; returns how many were handled or failed.</summary>
    /// <remarks>Deliveries waiting for a redelivery delay are not ready until the time provider passes it.</remarks>
    ValueTask<int> ProcessAvailableAsync(CancellationToken cancellationToken = default);

    /// <summary>Returns the earliest time after now at which a delivery that waits becomes ready, or <see langword="null"/> when none waits.</summary>
    /// <remarks>What waits: a failed event's redelivery, an event put back while a circuit breaker is open, a key lane's
    /// retry, a reorder buffer's deadline, the end of an open circuit's break. A test clock advanced to this time and then
    /// <see cref="ProcessAvailableAsync"/> runs it at its due time (the test harness's <c>AdvanceTimeAsync</c> does).
    /// A redelivery the transport has since voided (its partition moved) may still be named; processing then finds nothing.</remarks>
    DateTimeOffset? GetNextDueTime();
}
