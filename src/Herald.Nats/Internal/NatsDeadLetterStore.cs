using Herald.DeadLetters;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Herald.Nats.Internal;

/// <summary>Keeps dead letters in a JetStream key-value bucket: key <c>&lt;group&gt;.&lt;event id&gt;</c> (escaped), value <see cref="DeadLetterJson"/>.</summary>
/// <remarks>The bucket is file-backed with history 1, created on first use; a put returns once the server has stored it.
/// <see cref="GetAllAsync"/> costs one request for the keys and one per letter, and health checks and gauges call it on
/// every scrape: its result is kept for <see cref="NatsTransportOptions.DeadLetterListCacheDuration"/> and shared by
/// concurrent callers, and dropped by this store's own writes.</remarks>
internal sealed class NatsDeadLetterStore : IDeadLetterStore
{
    private readonly NatsBucket _bucket;
    private readonly NatsCachedRead<IReadOnlyList<DeadLetter>> _all;

    public NatsDeadLetterStore(INatsJSContext jetStream, NatsTransportOptions options, TimeProvider timeProvider)
    {
        _bucket = new(jetStream, options.DeadLetterBucket, options.Replicas);
        _all = new(ReadAllAsync, timeProvider, options.DeadLetterListCacheDuration);
    }

    public async ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var bucket = await BucketAsync(cancellationToken);
        await bucket.PutAsync(Key(letter.Group, letter.EventId), DeadLetterJson.ToUtf8Bytes(letter), cancellationToken: cancellationToken);
        _all.Invalidate();
    }

    public async ValueTask<bool> RemoveAsync(string group, string eventId, CancellationToken cancellationToken = default)
    {
        var bucket = await BucketAsync(cancellationToken);
        var key = Key(group, eventId);
        var entry = await bucket.TryGetEntryAsync<byte[]>(key, cancellationToken: cancellationToken);
        if (!entry.Success)
        {
            return false;
        }

        await bucket.DeleteAsync(key, cancellationToken: cancellationToken);
        _all.Invalidate();
        return true;
    }

    public async ValueTask<DeadLetter?> GetAsync(string group, string eventId, CancellationToken cancellationToken = default)
    {
        var bucket = await BucketAsync(cancellationToken);
        var entry = await bucket.TryGetEntryAsync<byte[]>(Key(group, eventId), cancellationToken: cancellationToken);
        return entry.Success && entry.Value.Value is { Length: > 0 } json ? DeadLetterJson.Read(json) : null;
    }

    public async ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default) =>
        await _all.GetAsync(cancellationToken);

    private async Task<IReadOnlyList<DeadLetter>> ReadAllAsync()
    {
        var cancellationToken = CancellationToken.None;
        var bucket = await BucketAsync(cancellationToken);
        var letters = new List<DeadLetter>();
        await foreach (var key in bucket.GetKeysAsync(cancellationToken: cancellationToken))
        {
            var entry = await bucket.TryGetEntryAsync<byte[]>(key, cancellationToken: cancellationToken);
            if (entry.Success && entry.Value.Value is { Length: > 0 } json)
            {
                letters.Add(DeadLetterJson.Read(json));
            }
        }

        return letters;
    }

    private static string Key(string group, string eventId) => $"{NatsNames.Token(group)}.{NatsNames.Token(eventId)}";

    private Task<INatsKVStore> BucketAsync(CancellationToken cancellationToken) => _bucket.GetAsync(cancellationToken);
}
