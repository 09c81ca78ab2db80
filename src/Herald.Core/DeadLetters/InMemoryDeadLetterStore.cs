namespace Herald.DeadLetters;

/// <summary>Keeps dead letters in process memory: the in-memory transport's store, and a stand-in for tests.</summary>
public sealed class InMemoryDeadLetterStore : IDeadLetterStore
{
    private readonly Dictionary<(string Group, string Id), DeadLetter> _letters = [];
    private readonly Lock _lock = new();

    /// <inheritdoc/>
    public IReadOnlyCollection<string> Unreadable => [];

    /// <inheritdoc/>
    public ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        lock (_lock)
        {
            _letters[(letter.Group, letter.Id)] = letter;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<bool> RemoveAsync(string group, string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_letters.Remove((group, id)));
        }
    }

    /// <inheritdoc/>
    public ValueTask<DeadLetter?> GetAsync(string group, string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_letters.GetValueOrDefault((group, id)));
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new([.. _letters.Values]);
        }
    }
}
