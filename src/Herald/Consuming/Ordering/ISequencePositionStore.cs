namespace Herald.Consuming.Ordering;

/// <summary>Keeps, per consumer group, topic and partition key, the last sequence number the group dealt with; implemented by transports.</summary>
/// <remarks>
/// A group with a reorder buffer restores a key's position from here the first time it sees the key, so that after a
/// restart it neither waits for sequence numbers it handled before nor handles them again.
/// </remarks>
public interface ISequencePositionStore
{
    /// <summary>Returns the last sequence number of <paramref name="key"/> that <paramref name="group"/> dealt with on <paramref name="topic"/>, or <see langword="null"/>.</summary>
    ValueTask<long?> GetAsync(string group, string topic, string key, CancellationToken cancellationToken = default);

    /// <summary>Records the positions of several keys at once; durable, where the transport is, when the task completes.</summary>
    ValueTask SaveAsync(string group, string topic, IReadOnlyCollection<KeyValuePair<string, long>> positions, CancellationToken cancellationToken = default);
}

/// <summary>Keeps sequence positions in process memory: the in-memory transport's store, and the fallback for transports without one.</summary>
public sealed class InMemorySequencePositionStore : ISequencePositionStore
{
    private readonly Dictionary<(string Group, string Topic, string Key), long> _positions = [];
    private readonly Lock _lock = new();

    /// <inheritdoc/>
    public ValueTask<long?> GetAsync(string group, string topic, string key, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_positions.TryGetValue((group, topic, key), out var last) ? last : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask SaveAsync(string group, string topic, IReadOnlyCollection<KeyValuePair<string, long>> positions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        lock (_lock)
        {
            foreach (var (key, last) in positions)
            {
                _positions[(group, topic, key)] = last;
            }
        }

        return ValueTask.CompletedTask;
    }
}
