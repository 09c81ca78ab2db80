using System.Collections.Concurrent;
using Herald.DeadLetters;

namespace Herald.Cli.Tests;

/// <summary>A dead-letter store in a dictionary, for commands run against an in-memory transport.</summary>
internal sealed class InMemoryDeadLetterStore : IDeadLetterStore
{
    private readonly ConcurrentDictionary<(string Group, string EventId), DeadLetter> _letters = new();

    public int Saves { get; private set; }

    public int Removes { get; private set; }

    public IReadOnlyList<DeadLetter> All => [.. _letters.Values.OrderBy(l => l.Group, StringComparer.Ordinal).ThenBy(l => l.EventId, StringComparer.Ordinal)];

    public void Add(DeadLetter letter) => _letters[(letter.Group, letter.EventId)] = letter;

    public ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        Saves++;
        Add(letter);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RemoveAsync(string group, string eventId, CancellationToken cancellationToken = default)
    {
        Removes++;
        return new(_letters.TryRemove((group, eventId), out _));
    }

    public ValueTask<DeadLetter?> GetAsync(string group, string eventId, CancellationToken cancellationToken = default) =>
        new(_letters.GetValueOrDefault((group, eventId)));

    public ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default) => new(All);
}
