namespace Herald.DeadLetters;

/// <summary>Keeps dead letters durably where the transport keeps events; implemented by transports.</summary>
/// <remarks>
/// One entry per (<see cref="DeadLetter.Group"/>, <see cref="DeadLetter.Id"/>): <see cref="SaveAsync"/> replaces the
/// entry of the same event delivered with the same content, and never one of another message that reuses its event id.
/// When the returned task completes the entry is as durable as the transport's events. A stored entry that cannot be
/// read is set aside: left stored, out of every listing, and named in <see cref="Unreadable"/>, so that one damaged
/// letter never hides the others. Entries written under the earlier (group, event id) key stay readable and are moved
/// to their own key when next saved. Implementations are thread-safe.
/// </remarks>
public interface IDeadLetterStore
{
    /// <summary>Adds or replaces the dead letter (<see cref="DeadLetter.Group"/>, <see cref="DeadLetter.Id"/>).</summary>
    ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default);

    /// <summary>Removes the dead letter (<paramref name="group"/>, <paramref name="id"/>); returns whether there was one.</summary>
    /// <param name="group">The consumer group.</param>
    /// <param name="id">The dead letter's <see cref="DeadLetter.Id"/>.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    ValueTask<bool> RemoveAsync(string group, string id, CancellationToken cancellationToken = default);

    /// <summary>Returns the dead letter (<paramref name="group"/>, <paramref name="id"/>), or <see langword="null"/>.</summary>
    /// <param name="group">The consumer group.</param>
    /// <param name="id">The dead letter's <see cref="DeadLetter.Id"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<DeadLetter?> GetAsync(string group, string id, CancellationToken cancellationToken = default);

    /// <summary>Returns every readable dead letter, pending and redriven.</summary>
    ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets where the stored entries are that could not be read when last listed (a key, or a position), for an operator.</summary>
    /// <remarks>Up to date after <see cref="GetAllAsync"/>; each is logged once as a warning, and stays stored until removed by hand or overwritten.</remarks>
    IReadOnlyCollection<string> Unreadable { get; }
}
