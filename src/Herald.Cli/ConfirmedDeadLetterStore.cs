using Herald.DeadLetters;

namespace Herald.Cli;

/// <summary>A dead-letter store narrowed to the dead letters an operator confirmed, by group and event id.</summary>
/// <remarks>
/// A change is confirmed on what a read-only open listed, then applied on a writable open: the filter is applied again,
/// so a dead letter that changed in between (the application ran) is left alone, and one that appeared is never touched.
/// </remarks>
internal sealed class ConfirmedDeadLetterStore(IDeadLetterStore inner, IReadOnlyCollection<DeadLetter> confirmed) : IDeadLetterStore
{
    private readonly HashSet<(string Group, string EventId)> _keys = [.. confirmed.Select(l => (l.Group, l.EventId))];

    public ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return _keys.Contains((letter.Group, letter.EventId))
            ? inner.SaveAsync(letter, cancellationToken)
            : throw new InvalidOperationException($"Dead letter {letter.Group}/{letter.EventId} was not confirmed.");
    }

    public ValueTask<bool> RemoveAsync(string group, string eventId, CancellationToken cancellationToken = default) =>
        _keys.Contains((group, eventId)) ? inner.RemoveAsync(group, eventId, cancellationToken) : new(false);

    public ValueTask<DeadLetter?> GetAsync(string group, string eventId, CancellationToken cancellationToken = default) =>
        _keys.Contains((group, eventId)) ? inner.GetAsync(group, eventId, cancellationToken) : new((DeadLetter?)null);

    public async ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default) =>
        [.. (await inner.GetAllAsync(cancellationToken)).Where(l => _keys.Contains((l.Group, l.EventId)))];
}
