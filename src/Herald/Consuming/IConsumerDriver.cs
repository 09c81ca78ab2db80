namespace Herald.Consuming;

/// <summary>Runs Herald's consumers in the caller's flow instead of in the background; for test harnesses and tools.</summary>
/// <remarks>Use it only when the host's background consumers are not started: one listener per group member
/// must not be driven from two places.</remarks>
public interface IConsumerDriver
{
    /// <summary>Handles every delivery that is ready now in every subscription, once; returns how many were handled or failed.</summary>
    /// <remarks>Deliveries waiting for a redelivery delay are not ready until the time provider passes it.</remarks>
    ValueTask<int> ProcessAvailableAsync(CancellationToken cancellationToken = default);
}
