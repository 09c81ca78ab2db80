using System.Text.Json;
using Herald.DeadLetters;

namespace Herald.Transports.Embedded;

/// <summary>The embedded log's dead-letter queues: one compacted state topic keyed by group and event id, values in <see cref="DeadLetterJson"/>.</summary>
/// <remarks>The letters are parsed once, at first use, and kept in memory beside the topic.</remarks>
internal sealed class EmbeddedDeadLetterStore(StateTopic topic) : IDeadLetterStore, IDisposable
{
    public const string TopicName = "__herald.dead-letters";

    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _lock = new();
    private readonly List<string> _unreadable = [];
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
                _unreadable.Remove(key);
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
                _unreadable.Remove(key);
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

    /// <summary>Gets the keys of stored letters that could not be read; they stay in the topic, out of every listing.</summary>
    public IReadOnlyList<string> Unreadable
    {
        get
        {
            lock (_lock)
            {
                Letters();
                return [.. _unreadable];
            }
        }
    }

    // Under _lock. One letter that cannot be read is set aside, so it cannot make the whole queue unreadable.
    private Dictionary<string, DeadLetter> Letters()
    {
        if (_letters is not null)
        {
            return _letters;
        }

        var letters = new Dictionary<string, DeadLetter>(StringComparer.Ordinal);
        foreach (var (key, value) in topic.Entries())
        {
            try
            {
                letters[key] = DeadLetterJson.Read(value);
            }
            catch (JsonException)
            {
                _unreadable.Add(key);
            }
        }

        return _letters = letters;
    }

    // Group names cannot hold a newline, so the pair is unambiguous.
    private static string Key(string group, string eventId) => $"{group}\n{eventId}";
}
