using Herald.DeadLetters;

namespace Herald.Transports.Embedded;

/// <summary>The embedded log's dead-letter queues: one compacted state topic keyed by group and event id, values in <see cref="DeadLetterJson"/>.</summary>
/// <remarks>The letters are parsed once, at first use, and kept in memory beside the topic.</remarks>
internal sealed class EmbeddedDeadLetterStore(StateTopic topic) : IDeadLetterStore, IDisposable
{
    public const string TopicName = "__herald.dead-letters";

    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _lock = new();
    private Dictionary<string, DeadLetter>? _letters;

    public async ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var key = Key(letter.Group, letter.EventId);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await topic.SetAsync(key, DeadLetterJson.ToUtf8Bytes(letter), cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                Letters()[key] = letter;
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async ValueTask<bool> RemoveAsync(string group, string eventId, CancellationToken cancellationToken = default)
    {
        var key = Key(group, eventId);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var removed = await topic.SetAsync(key, null, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                Letters().Remove(key);
            }

            return removed;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public ValueTask<DeadLetter?> GetAsync(string group, string eventId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(Letters().GetValueOrDefault(Key(group, eventId)));
        }
    }

    public ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new([.. Letters().Values]);
        }
    }

    public void Dispose() => _writeGate.Dispose();

    // Under _lock.
    private Dictionary<string, DeadLetter> Letters() =>
        _letters ??= topic.Entries().ToDictionary(e => e.Key, e => DeadLetterJson.Read(e.Value), StringComparer.Ordinal);

    // Group names cannot hold a newline, so the pair is unambiguous.
    private static string Key(string group, string eventId) => $"{group}\n{eventId}";
}
