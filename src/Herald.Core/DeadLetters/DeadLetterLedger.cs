using System.Diagnostics;

namespace Herald.DeadLetters;

/// <summary>
/// Bounds a dead-letter store by <see cref="DeadLetterOptions"/> and keeps a running count of its letters per group,
/// topic and status, so that gauges and the cap never list the store again.
/// </summary>
/// <remarks>
/// The count starts from one listing, at first use, and follows every save and removal made through this ledger (the
/// application's writers, redrives and purges all go through it); it keeps a few fields per letter, not the letter. Writes are serialized, so the cap is checked and the
/// letter saved as one step within the process. Redriven letters go when their retention ends or, oldest redrive
/// first, to make room; a pending letter is never removed here: at the cap, saving a new one throws
/// <see cref="DeadLetterQueueFullException"/>, and the event it carries stays unacknowledged.
/// </remarks>
internal sealed class DeadLetterLedger(IDeadLetterStore inner, DeadLetterOptions options, TimeProvider timeProvider, Action<string, string, string>? evicted = null)
    : IDeadLetterStore, IDisposable
{
    /// <summary>The reason an eviction is counted under when a redriven letter outlived <see cref="DeadLetterOptions.RedrivenRetention"/>.</summary>
    public const string RetentionReason = "retention";

    /// <summary>The reason an eviction is counted under when a redriven letter made room for a new one.</summary>
    public const string CapReason = "cap";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Group, string Id), Entry> _letters = [];
    private readonly Dictionary<string, int> _perGroup = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTimeOffset RedrivenAt, string Group, string Id)> _redriven = [];
    private bool _loaded;

    /// <inheritdoc/>
    public IReadOnlyCollection<string> Unreadable => inner.Unreadable;

    /// <inheritdoc/>
    public async ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            await ExpireRedrivenAsync(cancellationToken).ConfigureAwait(false);
            bool known;
            lock (_lock)
            {
                known = _letters.ContainsKey((letter.Group, letter.Id));
            }

            // A letter already stored is replaced in place: a redrive, or the same event failing again, never needs room.
            if (!known && !await MakeRoomAsync(letter.Group, cancellationToken).ConfigureAwait(false))
            {
                throw new DeadLetterQueueFullException(letter.Group, options.MaxLettersPerGroup, letter.EventId);
            }

            await inner.SaveAsync(letter, cancellationToken).ConfigureAwait(false);
            Track(letter);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask<bool> RemoveAsync(string group, string id, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            var removed = await inner.RemoveAsync(group, id, cancellationToken).ConfigureAwait(false);
            Untrack(group, id);
            return removed;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public ValueTask<DeadLetter?> GetAsync(string group, string id, CancellationToken cancellationToken = default) => inner.GetAsync(group, id, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default) => inner.GetAllAsync(cancellationToken);

    /// <summary>Removes the redriven letters whose retention ended, now.</summary>
    public async ValueTask ExpireAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            await ExpireRedrivenAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Returns how many letters the store holds per group, topic and status, listing it only the first time.</summary>
    public async ValueTask<IReadOnlyDictionary<(string Group, string Topic, DeadLetterStatus Status), long>> CountsAsync(CancellationToken cancellationToken = default)
    {
        if (!Volatile.Read(ref _loaded))
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await LoadAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        lock (_lock)
        {
            return _letters
                .GroupBy(l => (l.Key.Group, l.Value.Topic, l.Value.Status))
                .ToDictionary(g => g.Key, g => (long)g.Count());
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();

    // Under _gate.
    private async ValueTask LoadAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
        {
            return;
        }

        var all = await inner.GetAllAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _letters.Clear();
            _perGroup.Clear();
            _redriven.Clear();
            foreach (var letter in all)
            {
                Track(letter);
            }
        }

        Volatile.Write(ref _loaded, true);
        await ExpireRedrivenAsync(cancellationToken).ConfigureAwait(false);
    }

    // Under _gate: drops the redriven letters whose retention ended, oldest first.
    private async ValueTask ExpireRedrivenAsync(CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow() - options.RedrivenRetention;
        while (true)
        {
            (DateTimeOffset RedrivenAt, string Group, string Id) oldest;
            lock (_lock)
            {
                if (_redriven.Count == 0 || _redriven.Min.RedrivenAt >= cutoff)
                {
                    return;
                }

                oldest = _redriven.Min;
            }

            await EvictAsync(oldest.Group, oldest.Id, RetentionReason, cancellationToken).ConfigureAwait(false);
        }
    }

    // Under _gate: false when the group's queue is full of pending letters, even after listing the store again.
    private async ValueTask<bool> MakeRoomAsync(string group, CancellationToken cancellationToken)
    {
        for (var listed = false; ; listed = true)
        {
            while (Count(group) >= options.MaxLettersPerGroup && OldestRedriven(group) is { } id)
            {
                await EvictAsync(group, id, CapReason, cancellationToken).ConfigureAwait(false);
            }

            if (Count(group) < options.MaxLettersPerGroup)
            {
                return true;
            }

            if (listed)
            {
                return false;
            }

            // Another process (the CLI, another instance) may have redriven or purged letters this count still holds.
            _loaded = false;
            await LoadAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask EvictAsync(string group, string id, string reason, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_lock)
        {
            entry = _letters[(group, id)];
        }

        Debug.Assert(entry.Status == DeadLetterStatus.Redriven, "Only redriven letters are evicted.");
        await inner.RemoveAsync(group, id, cancellationToken).ConfigureAwait(false);
        Untrack(group, id);
        evicted?.Invoke(group, entry.Topic, reason);
    }

    private int Count(string group)
    {
        lock (_lock)
        {
            return _perGroup.GetValueOrDefault(group);
        }
    }

    private string? OldestRedriven(string group)
    {
        lock (_lock)
        {
            foreach (var (_, redrivenGroup, id) in _redriven)
            {
                if (string.Equals(redrivenGroup, group, StringComparison.Ordinal))
                {
                    return id;
                }
            }

            return null;
        }
    }

    private void Track(DeadLetter letter)
    {
        lock (_lock)
        {
            Untrack(letter.Group, letter.Id);
            var entry = new Entry(letter.Topic, letter.Status, letter.RedrivenAt ?? letter.Failure.DeadLetteredAt);
            _letters[(letter.Group, letter.Id)] = entry;
            _perGroup[letter.Group] = _perGroup.GetValueOrDefault(letter.Group) + 1;
            if (entry.Status == DeadLetterStatus.Redriven)
            {
                _redriven.Add((entry.RedrivenAt, letter.Group, letter.Id));
            }
        }
    }

    private void Untrack(string group, string id)
    {
        lock (_lock)
        {
            if (!_letters.Remove((group, id), out var entry))
            {
                return;
            }

            _perGroup[group]--;
            if (entry.Status == DeadLetterStatus.Redriven)
            {
                _redriven.Remove((entry.RedrivenAt, group, id));
            }
        }
    }

    // What the ledger keeps of a letter: enough to count it and to know when it may go, not its content.
    private readonly record struct Entry(string Topic, DeadLetterStatus Status, DateTimeOffset RedrivenAt);
}
