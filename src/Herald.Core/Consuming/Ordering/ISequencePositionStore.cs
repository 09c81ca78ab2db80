namespace Herald.Consuming.Ordering;

/// <summary>Keeps, per consumer group, topic and partition key, the last sequence number the group dealt with; implemented by
/// transports (<see cref="Transports.ITransport.SequencePositions"/>), or by the application, which registers it in its services.</summary>
/// <remarks>
/// A group with a reorder buffer restores a key's position from here the first time it sees the key (and again after the
/// key was evicted from memory, <see cref="ReorderOptions.KeyIdleTimeout"/>), so that after a restart it neither waits for
/// sequence numbers it handled before nor handles them again. Positions not saved for
/// <see cref="ReorderOptions.PositionRetention"/> are removed with <see cref="RemoveSavedBeforeAsync"/>.
/// </remarks>
public interface ISequencePositionStore
{
    /// <summary>Returns the last sequence number of <paramref name="key"/> that <paramref name="group"/> dealt with on <paramref name="topic"/>, or <see langword="null"/>.</summary>
    ValueTask<long?> GetAsync(string group, string topic, string key, CancellationToken cancellationToken = default);

    /// <summary>Records the positions of several keys at once; durable, where the transport is, when the task completes.</summary>
    ValueTask SaveAsync(string group, string topic, IReadOnlyCollection<KeyValuePair<string, long>> positions, CancellationToken cancellationToken = default);

    /// <summary>Removes the positions of <paramref name="group"/> on <paramref name="topic"/> last saved before <paramref name="savedBefore"/>.</summary>
    /// <remarks>A removed key is a key never seen: its next event starts it afresh (<see cref="ReorderOptions.PositionRetention"/>).</remarks>
    /// <returns>How many positions were removed.</returns>
    ValueTask<int> RemoveSavedBeforeAsync(string group, string topic, DateTimeOffset savedBefore, CancellationToken cancellationToken = default);
}

/// <summary>Keeps sequence positions in process memory: the in-memory transport's store, and one an application registers on purpose when positions need not survive a restart.</summary>
/// <param name="timeProvider">The clock positions are stamped with when saved; <see cref="TimeProvider.System"/> when null.</param>
public sealed class InMemorySequencePositionStore(TimeProvider? timeProvider = null) : ISequencePositionStore
{
    private readonly Dictionary<(string Group, string Topic, string Key), (long Last, DateTimeOffset SavedAt)> _positions = [];
    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider = timeProvider ?? TimeProvider.System;

    /// <inheritdoc/>
    public ValueTask<long?> GetAsync(string group, string topic, string key, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_positions.TryGetValue((group, topic, key), out var position) ? position.Last : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask SaveAsync(string group, string topic, IReadOnlyCollection<KeyValuePair<string, long>> positions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            foreach (var (key, last) in positions)
            {
                _positions[(group, topic, key)] = (last, now);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<int> RemoveSavedBeforeAsync(string group, string topic, DateTimeOffset savedBefore, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var old = _positions.Where(p => p.Key.Group == group && p.Key.Topic == topic && p.Value.SavedAt < savedBefore).Select(p => p.Key).ToList();
            foreach (var key in old)
            {
                _positions.Remove(key);
            }

            return new(old.Count);
        }
    }
}
