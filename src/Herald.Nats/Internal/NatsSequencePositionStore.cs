using System.Globalization;
using System.Text;
using Herald.Consuming.Ordering;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Herald.Nats.Internal;

/// <summary>Keeps reorder-buffer positions in a JetStream key-value bucket: key <c>&lt;group&gt;.&lt;topic&gt;.&lt;partition key&gt;</c> (escaped), value the decimal sequence.</summary>
internal sealed class NatsSequencePositionStore(INatsJSContext jetStream, NatsTransportOptions options) : ISequencePositionStore
{
    private readonly NatsBucket _bucket = new(jetStream, options.SequenceBucket, options.Replicas);

    public async ValueTask<long?> GetAsync(string group, string topic, string key, CancellationToken cancellationToken = default)
    {
        var bucket = await _bucket.GetAsync(cancellationToken).ConfigureAwait(false);
        var entry = await bucket.TryGetEntryAsync<byte[]>(Key(group, topic, key), cancellationToken: cancellationToken).ConfigureAwait(false);
        return entry.Success && entry.Value.Value is { Length: > 0 } bytes
            ? long.Parse(Encoding.ASCII.GetString(bytes), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
            : null;
    }

    public async ValueTask SaveAsync(string group, string topic, IReadOnlyCollection<KeyValuePair<string, long>> positions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var bucket = await _bucket.GetAsync(cancellationToken).ConfigureAwait(false);
        // Puts are independent keys: sent together, each confirmed by the server before the task completes.
        await Task.WhenAll(positions.Select(p => bucket.PutAsync(
            Key(group, topic, p.Key),
            Encoding.ASCII.GetBytes(p.Value.ToString(CultureInfo.InvariantCulture)),
            cancellationToken: cancellationToken).AsTask())).ConfigureAwait(false);
    }

    // One watch over the group's and topic's keys, metadata only, ends at the last entry; then a purge per expired key.
    // Purges leave markers, which PurgeDeletesAsync clears once they are older than its threshold (30 minutes).
    public async ValueTask<int> RemoveSavedBeforeAsync(string group, string topic, DateTimeOffset savedBefore, CancellationToken cancellationToken = default)
    {
        var bucket = await _bucket.GetAsync(cancellationToken).ConfigureAwait(false);
        var expired = new List<string>();
        var watch = new NatsKVWatchOpts { MetaOnly = true, IgnoreDeletes = true, OnNoData = static _ => new ValueTask<bool>(true) };
        await foreach (var entry in bucket.WatchAsync<byte[]>([$"{NatsNames.Token(group)}.{NatsNames.Token(topic)}.>"], opts: watch, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entry.Created < savedBefore)
            {
                expired.Add(entry.Key);
            }

            if (entry.Delta == 0)
            {
                break;
            }
        }

        foreach (var key in expired)
        {
            await bucket.PurgeAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (expired.Count > 0)
        {
            await bucket.PurgeDeletesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return expired.Count;
    }

    private static string Key(string group, string topic, string key) => $"{NatsNames.Token(group)}.{NatsNames.Token(topic)}.{NatsNames.Token(key)}";
}
