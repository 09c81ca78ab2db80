using System.Text.Json;
using Herald.DeadLetters;
using Herald.Transports;
using Microsoft.Extensions.Logging;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Herald.Nats.Internal;

/// <summary>Keeps dead letters in a JetStream key-value bucket: key <c>&lt;group&gt;.&lt;dead-letter id&gt;</c> (escaped), value <see cref="DeadLetterJson"/>.</summary>
/// <remarks>The bucket is file-backed with history 1, created on first use; a put returns once the server has stored it.
/// <see cref="GetAllAsync"/> reads the bucket with one watch, and health checks and gauges call it on
/// every scrape: its result is kept for <see cref="NatsTransportOptions.DeadLetterListCacheDuration"/> and shared by
/// concurrent callers, and dropped by this store's own writes. A value that cannot be read is set aside (logged once,
/// named in <see cref="Unreadable"/>); a letter stored under the earlier <c>&lt;group&gt;.&lt;event id&gt;</c> key is read
/// there and moved to its own key when next saved.</remarks>
internal sealed class NatsDeadLetterStore : IDeadLetterStore
{
    private static readonly TimeSpan ReadAllTimeout = TimeSpan.FromMinutes(1);
    private readonly NatsBucket _bucket;
    private readonly SharedRead<IReadOnlyList<DeadLetter>> _all;
    private readonly ILogger _logger;
    private readonly string _bucketName;
    private readonly Lock _lock = new();
    private readonly HashSet<string> _logged = new(StringComparer.Ordinal);
    private IReadOnlyCollection<string> _unreadable = [];

    public NatsDeadLetterStore(INatsJSContext jetStream, NatsTransportOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _bucket = new(jetStream, options.DeadLetterBucket, options.Replicas);
        _all = new(ReadAllAsync, timeProvider, options.DeadLetterListCacheDuration);
        _logger = logger;
        _bucketName = options.DeadLetterBucket;
    }

    public IReadOnlyCollection<string> Unreadable => Volatile.Read(ref _unreadable);

    public async ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var bucket = await BucketAsync(cancellationToken).ConfigureAwait(false);
        await bucket.PutAsync(Key(letter.Group, letter.Id), DeadLetterJson.ToUtf8Bytes(letter), cancellationToken: cancellationToken).ConfigureAwait(false);

        // Deleted only once the letter is at its own key: a crash in between leaves two copies (read as one), never none.
        if (await LegacyAsync(bucket, letter.Group, letter.Id, cancellationToken).ConfigureAwait(false) is { } legacy)
        {
            await bucket.DeleteAsync(legacy.Key, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        _all.Invalidate();
    }

    public async ValueTask<bool> RemoveAsync(string group, string id, CancellationToken cancellationToken = default)
    {
        var bucket = await BucketAsync(cancellationToken).ConfigureAwait(false);
        var removed = false;
        var key = Key(group, id);
        if ((await bucket.TryGetEntryAsync<byte[]>(key, cancellationToken: cancellationToken).ConfigureAwait(false)).Success)
        {
            await bucket.DeleteAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            removed = true;
        }

        if (await LegacyAsync(bucket, group, id, cancellationToken).ConfigureAwait(false) is { } legacy)
        {
            await bucket.DeleteAsync(legacy.Key, cancellationToken: cancellationToken).ConfigureAwait(false);
            removed = true;
        }

        _all.Invalidate();
        return removed;
    }

    public async ValueTask<DeadLetter?> GetAsync(string group, string id, CancellationToken cancellationToken = default)
    {
        var bucket = await BucketAsync(cancellationToken).ConfigureAwait(false);
        var key = Key(group, id);
        var entry = await bucket.TryGetEntryAsync<byte[]>(key, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (entry.Success && entry.Value.Value is { Length: > 0 } json)
        {
            return Read(key, json);
        }

        return (await LegacyAsync(bucket, group, id, cancellationToken).ConfigureAwait(false))?.Letter;
    }

    public async ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default) =>
        await _all.GetAsync(cancellationToken).ConfigureAwait(false);

    private async Task<IReadOnlyList<DeadLetter>> ReadAllAsync()
    {
        // Uncancelled by its callers (it is shared), but bounded: a server that stops answering fails the read, not the callers.
        using var timeout = new CancellationTokenSource(ReadAllTimeout);
        var cancellationToken = timeout.Token;
        var bucket = await BucketAsync(cancellationToken).ConfigureAwait(false);
        var letters = new Dictionary<(string Group, string Id), (string Key, DeadLetter Letter)>();
        var unreadable = new List<string>();
        // One watch delivers the latest value of every key, where a get per key would cost a request per letter (and one
        // request timing out on a busy server would fail the whole listing). Deleted keys come as markers and are skipped.
        var watch = new NatsKVWatchOpts { OnNoData = static _ => ValueTask.FromResult(true) };
        await foreach (var entry in bucket.WatchAsync<byte[]>(">", opts: watch, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var key = entry.Key;
            if (entry.Operation == NatsKVOperation.Put && entry.Value is { Length: > 0 } json)
            {
                Add(key, json);
            }

            if (entry.Delta == 0)
            {
                break;
            }
        }

        Volatile.Write(ref _unreadable, unreadable);
        return [.. letters.Values.Select(l => l.Letter)];

        void Add(string key, byte[] json)
        {
            if (Read(key, json) is not { } letter)
            {
                unreadable.Add(Where(key));
                return;
            }

            // A letter under its own key wins over a copy left at its old key by a move cut short.
            var identity = (letter.Group, letter.Id);
            if (!letters.TryGetValue(identity, out var other) || other.Key != Key(letter.Group, letter.Id))
            {
                letters[identity] = (key, letter);
            }
        }
    }

    // The letter of (group, id) at the key earlier versions used, (group, event id), if one is there.
    private async ValueTask<(string Key, DeadLetter Letter)?> LegacyAsync(INatsKVStore bucket, string group, string id, CancellationToken cancellationToken)
    {
        if (DeadLetterIdentity.EventIdOf(id) is not { } eventId)
        {
            return null;
        }

        var key = Key(group, eventId);
        var entry = await bucket.TryGetEntryAsync<byte[]>(key, cancellationToken: cancellationToken).ConfigureAwait(false);
        return entry.Success && entry.Value.Value is { Length: > 0 } json && Read(key, json) is { } letter && letter.Group == group && letter.Id == id
            ? (key, letter)
            : null;
    }

    // Null when the value cannot be read; it is logged once per key and left in the bucket for an operator.
    private DeadLetter? Read(string key, byte[] json)
    {
        try
        {
            return DeadLetterJson.Read(json);
        }
        catch (JsonException e)
        {
            bool first;
            lock (_lock)
            {
                first = _logged.Add(key);
            }

            if (first)
            {
                NatsLog.DeadLetterUnreadable(_logger, Where(key), e);
            }

            return null;
        }
    }

    private string Where(string key) => $"key '{key}' of bucket {_bucketName}";

    private static string Key(string group, string id) => $"{NatsNames.Token(group)}.{NatsNames.Token(id)}";

    private Task<INatsKVStore> BucketAsync(CancellationToken cancellationToken) => _bucket.GetAsync(cancellationToken);
}
