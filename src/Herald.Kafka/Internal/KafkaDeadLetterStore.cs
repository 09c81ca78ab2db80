using System.Text.Json;
using Herald.DeadLetters;
using Herald.Transports;
using Microsoft.Extensions.Logging;

namespace Herald.Kafka.Internal;

/// <summary>Keeps dead letters in a Kafka topic as the embedded log keeps them in its state topic: key
/// <c>&lt;group&gt;\n&lt;dead-letter id&gt;</c>, value <see cref="DeadLetterJson"/>, a tombstone for a removed letter.</summary>
/// <remarks>
/// The letters are parsed as they are read and kept in memory parsed. A listing first reads the topic up to its end, so
/// it shows other processes' letters (a single letter is read as of the last listing); that reading is shared by concurrent callers and kept for
/// <see cref="KafkaTransportOptions.DeadLetterListCacheDuration"/>. This process's own writes apply at once, each with the
/// record's offset, so an older record of the same key read later never undoes them. A value that cannot be read is set
/// aside (logged once, named in <see cref="Unreadable"/>). A letter stored under the earlier (group, event id) key is read
/// there and moved to its own key, in the same write that removes the old one, when next saved or removed.
/// </remarks>
internal sealed class KafkaDeadLetterStore : IDeadLetterStore, IDisposable
{
    private readonly KafkaStateTopic _topic;
    private readonly ILogger _logger;
    private readonly SharedRead<bool> _catchUp;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Group, string Id), Stored> _letters = [];
    private readonly Dictionary<string, StatePosition> _applied = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Group, string Id)> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unreadable = new(StringComparer.Ordinal);
    private readonly HashSet<string> _logged = new(StringComparer.Ordinal);
    private bool _loaded;

    public KafkaDeadLetterStore(KafkaStateTopic topic, KafkaTransportOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _topic = topic;
        _logger = logger;
        _catchUp = new(CatchUpAsync, timeProvider, options.DeadLetterListCacheDuration);
    }

    public IReadOnlyCollection<string> Unreadable
    {
        get
        {
            lock (_lock)
            {
                return [.. _unreadable.Select(Where)];
            }
        }
    }

    public async ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        await LoadedAsync(cancellationToken).ConfigureAwait(false);
        var key = Key(letter.Group, letter.Id);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<KeyValuePair<string, byte[]?>> changes = [new(key, DeadLetterJson.ToUtf8Bytes(letter))];
            if (Find(letter.Group, letter.Id) is { } old && old.Key != key)
            {
                // Written after the letter at its own key: a crash in between leaves two copies (read as one), never none.
                changes.Add(new(old.Key, null));
            }

            await WriteAsync(changes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async ValueTask<bool> RemoveAsync(string group, string id, CancellationToken cancellationToken = default)
    {
        await LoadedAsync(cancellationToken).ConfigureAwait(false);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Find(group, id) is not { } stored)
            {
                return false;
            }

            await WriteAsync([new(stored.Key, null)], cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    // As of the last listing and this process's own writes: the pipeline reads a letter before it replaces it (a redrive
    // lists first), and a read of the whole topic per dead letter would cost a round trip to its end each time.
    public async ValueTask<DeadLetter?> GetAsync(string group, string id, CancellationToken cancellationToken = default)
    {
        await LoadedAsync(cancellationToken).ConfigureAwait(false);
        return Find(group, id)?.Letter;
    }

    public async ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default)
    {
        await _catchUp.GetAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            return [.. _letters.Values.Select(s => s.Letter)];
        }
    }

    public void Dispose()
    {
        _topic.Dispose();
        _writeGate.Dispose();
    }

    private async Task WriteAsync(List<KeyValuePair<string, byte[]?>> changes, CancellationToken cancellationToken)
    {
        var positions = await _topic.WriteAsync(changes, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < changes.Count; i++)
        {
            Apply(changes[i].Key, changes[i].Value, positions[i]);
        }
    }

    // A write needs the letters read once (to find one at its old key), not another process's latest: letters are
    // written by the group that owns the event's partition, so two processes do not write the same letter at once.
    private ValueTask LoadedAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _loaded) ? ValueTask.CompletedTask : new(_catchUp.GetAsync(cancellationToken));

    private async Task<bool> CatchUpAsync()
    {
        // Shared by its callers, so none of them cancels it; bounded by the state topic's own timeout.
        await _topic.CatchUpAsync(Apply, CancellationToken.None).ConfigureAwait(false);
        Volatile.Write(ref _loaded, true);
        return true;
    }

    private void Apply(string key, byte[]? value, StatePosition position)
    {
        DeadLetter? letter = null;
        Exception? unreadable = null;
        if (value is not null)
        {
            try
            {
                letter = DeadLetterJson.Read(value);
            }
            catch (JsonException e)
            {
                unreadable = e;
            }
        }

        lock (_lock)
        {
            if (_applied.TryGetValue(key, out var applied) && applied.Partition == position.Partition && applied.Offset >= position.Offset)
            {
                return;
            }

            _applied[key] = position;
            if (_keys.Remove(key, out var previous) && _letters.TryGetValue(previous, out var at) && at.Key == key)
            {
                _letters.Remove(previous);
            }

            _unreadable.Remove(key);
            if (unreadable is not null)
            {
                _unreadable.Add(key);
                if (_logged.Add(key))
                {
                    KafkaLog.DeadLetterUnreadable(_logger, Where(key), unreadable);
                }
            }

            if (letter is null)
            {
                return;
            }

            // A letter under its own key wins over a copy left at its old key by a move cut short.
            var identity = (letter.Group, letter.Id);
            _keys[key] = identity;
            if (!_letters.TryGetValue(identity, out var other) || other.Key != Key(letter.Group, letter.Id) || key == other.Key)
            {
                _letters[identity] = new(key, letter);
            }
        }
    }

    private Stored? Find(string group, string id)
    {
        lock (_lock)
        {
            return _letters.GetValueOrDefault((group, id));
        }
    }

    private string Where(string key) => $"key '{key.Replace('\n', '/')}' of topic {_topic.Name}";

    // Group names cannot hold a newline, so the pair is unambiguous; the embedded log's dead-letter topic uses the same keys.
    private static string Key(string group, string id) => $"{group}\n{id}";

    private sealed record Stored(string Key, DeadLetter Letter);
}
