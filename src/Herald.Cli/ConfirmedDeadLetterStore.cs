using Herald.DeadLetters;

namespace Herald.Cli;

/// <summary>A dead-letter store narrowed to the dead letters an operator confirmed, by group and dead-letter id.</summary>
/// <remarks>
/// A change is confirmed on what a read-only open listed, then applied on a writable open: the filter is applied again,
/// so a dead letter that changed in between (the application ran) is left alone, and one that appeared is never touched,
/// even one that reuses a confirmed letter's event id.
/// </remarks>
internal sealed class ConfirmedDeadLetterStore(IDeadLetterStore inner, IReadOnlyCollection<DeadLetter> confirmed) : IDeadLetterStore
{
    private readonly HashSet<(string Group, string Id)> _keys = [.. confirmed.Select(l => (l.Group, l.Id))];

    public IReadOnlyCollection<string> Unreadable => inner.Unreadable;

    public ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return _keys.Contains((letter.Group, letter.Id))
            ? inner.SaveAsync(letter, cancellationToken)
            : throw new InvalidOperationException($"Dead letter {letter.Group}/{letter.Id} was not confirmed.");
    }

    public ValueTask<bool> RemoveAsync(string group, string id, CancellationToken cancellationToken = default) =>
        _keys.Contains((group, id)) ? inner.RemoveAsync(group, id, cancellationToken) : new(false);

    public ValueTask<DeadLetter?> GetAsync(string group, string id, CancellationToken cancellationToken = default) =>
        _keys.Contains((group, id)) ? inner.GetAsync(group, id, cancellationToken) : new((DeadLetter?)null);

    public async ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default) =>
        [.. (await inner.GetAllAsync(cancellationToken)).Where(l => _keys.Contains((l.Group, l.Id)))];
}
