using System.Text.Json;
using Herald.DeadLetters;
using Herald.Log;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Transports.Embedded;

/// <summary>The embedded log's dead-letter queues: one compacted state topic keyed by group and dead-letter id, values in <see cref="DeadLetterJson"/>.</summary>
/// <remarks>
/// The letters are parsed once, at first use, and kept in memory parsed only: the topic keeps their keys, not a second
/// copy of their bytes. Letters stored under the earlier (group, event id) key are read as they are, and moved to their
/// own key, in the same append that removes the old one, when next saved or removed.
/// </remarks>
internal sealed partial class EmbeddedDeadLetterStore(StateTopic topic, ILogger? logger = null) : IDeadLetterStore, IDisposable
{
    public const string TopicName = "__herald.dead-letters";

    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _lock = new();
    private readonly List<string> _unreadable = [];
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private Dictionary<(string Group, string Id), Stored>? _letters;

    public async ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var key = Key(letter.Group, letter.Id);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<KeyValuePair<string, byte[]?>> changes = [new(key, DeadLetterJson.ToUtf8Bytes(letter))];
            if (Find(letter.Group, letter.Id) is { } old && old.Key != key)
            {
                changes.Add(new(old.Key, null));
            }

            await topic.SetManyAsync(changes, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                Letters()[(letter.Group, letter.Id)] = new(key, letter);
                _unreadable.Remove(key);
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async ValueTask<bool> RemoveAsync(string group, string id, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Find(group, id) is not { } stored)
            {
                return false;
            }

            await topic.SetAsync(stored.Key, null, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                Letters().Remove((group, id));
            }

            return true;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public ValueTask<DeadLetter?> GetAsync(string group, string id, CancellationToken cancellationToken = default) => new(Find(group, id)?.Letter);

    public ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new([.. Letters().Values.Select(s => s.Letter)]);
        }
    }

    public void Dispose() => _writeGate.Dispose();

    /// <summary>Gets the keys of stored letters that could not be read; they stay in the topic, out of every listing.</summary>
    public IReadOnlyCollection<string> Unreadable
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

    private Stored? Find(string group, string id)
    {
        lock (_lock)
        {
            return Letters().GetValueOrDefault((group, id));
        }
    }

    // Under _lock. One letter that cannot be read is set aside, so it cannot make the whole queue unreadable.
    private Dictionary<(string Group, string Id), Stored> Letters()
    {
        if (_letters is not null)
        {
            return _letters;
        }

        var letters = new Dictionary<(string Group, string Id), Stored>();
        foreach (var (key, value) in topic.TakeEntries())
        {
            DeadLetter letter;
            try
            {
                letter = DeadLetterJson.Read(value);
            }
            catch (JsonException e)
            {
                _unreadable.Add(key);
                DeadLetterUnreadable(_logger, e, TopicName, "key " + key.Replace('\n', '/'));
                continue;
            }

            // Written under both keys only when a move to the new key was cut short: the new one is the newer.
            var identity = (letter.Group, letter.Id);
            if (!letters.TryGetValue(identity, out var other) || other.Key != Key(letter.Group, letter.Id))
            {
                letters[identity] = new(key, letter);
            }
        }

        return _letters = letters;
    }

    // Group names cannot hold a newline, so the pair is unambiguous. Earlier versions keyed by group and event id.
    private static string Key(string group, string id) => $"{group}\n{id}";

    [LoggerMessage(25, LogLevel.Warning, "Dead letter stored in {Store} at {Where} cannot be read; it is set aside (kept stored, left out of listings): inspect or remove it by hand")]
    private static partial void DeadLetterUnreadable(ILogger logger, Exception exception, string store, string where);

    private sealed record Stored(string Key, DeadLetter Letter);
}
