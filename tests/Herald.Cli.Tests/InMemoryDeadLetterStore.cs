using System.Collections.Concurrent;
using Herald.DeadLetters;

namespace Herald.Cli.Tests;

/// <summary>A dead-letter store in a dictionary, for commands run against an in-memory transport.</summary>
internal sealed class InMemoryDeadLetterStore : IDeadLetterStore
{
    private readonly ConcurrentDictionary<(string Group, string Id), DeadLetter> _letters = new();

    public int Saves { get; private set; }

    /// <summary>Gets or sets where stored letters could not be read, as a store that set some aside reports them.</summary>
    public IReadOnlyCollection<string> Unreadable { get; set; } = [];

    public int Removes { get; private set; }

    public IReadOnlyList<DeadLetter> All => [.. _letters.Values.OrderBy(l => l.Group, StringComparer.Ordinal).ThenBy(l => l.Id, StringComparer.Ordinal)];

    public void Add(DeadLetter letter) => _letters[(letter.Group, letter.Id)] = letter;

    public ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        Saves++;
        Add(letter);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RemoveAsync(string group, string id, CancellationToken cancellationToken = default)
    {
        Removes++;
        return new(_letters.TryRemove((group, id), out _));
    }

    public ValueTask<DeadLetter?> GetAsync(string group, string id, CancellationToken cancellationToken = default) =>
        new(_letters.GetValueOrDefault((group, id)));

    public ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default) => new(All);
}
