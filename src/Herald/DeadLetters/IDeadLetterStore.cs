namespace Herald.DeadLetters;

/// <summary>Keeps dead letters durably where the transport keeps events; implemented by transports.</summary>
/// <remarks>
/// One entry per (<see cref="DeadLetter.Group"/>, event id): <see cref="SaveAsync"/> replaces it. When the returned
/// task completes the entry is as durable as the transport's events. Implementations are thread-safe.
/// </remarks>
public interface IDeadLetterStore
{
    /// <summary>Adds or replaces the dead letter of (<see cref="DeadLetter.Group"/>, event id).</summary>
    ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default);

    /// <summary>Removes the dead letter of (<paramref name="group"/>, <paramref name="eventId"/>); returns whether there was one.</summary>
    ValueTask<bool> RemoveAsync(string group, string eventId, CancellationToken cancellationToken = default);

    /// <summary>Returns the dead letter of (<paramref name="group"/>, <paramref name="eventId"/>), or <see langword="null"/>.</summary>
    ValueTask<DeadLetter?> GetAsync(string group, string eventId, CancellationToken cancellationToken = default);

    /// <summary>Returns every dead letter, pending and redriven.</summary>
    ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default);
}
