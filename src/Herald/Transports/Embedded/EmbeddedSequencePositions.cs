using System.Buffers.Binary;
using Herald.Consuming.Ordering;
using Herald.Log;

namespace Herald.Transports.Embedded;

/// <summary>The embedded log's sequence positions: a compacted state topic keyed by group, topic and partition key.</summary>
/// <remarks>
/// A value is the position (8 bytes) and the time it was saved (8 bytes, Unix milliseconds), both little-endian. Values
/// written before positions expired hold the position only; a removal pass stamps them with its own time, so they
/// expire one retention after an upgrade instead of at once. A removed position is a tombstone, which compaction drops.
/// </remarks>
internal sealed class EmbeddedSequencePositions(StateTopic topic, TimeProvider timeProvider) : ISequencePositionStore
{
    public const string TopicName = "__herald.sequences";

    public ValueTask<long?> GetAsync(string group, string topicName, string key, CancellationToken cancellationToken = default) =>
        new(topic.TryGet(Key(group, topicName, key), out var bytes) && bytes.Length is 8 or 16 ? BinaryPrimitives.ReadInt64LittleEndian(bytes) : null);

    public async ValueTask SaveAsync(string group, string topicName, IReadOnlyCollection<KeyValuePair<string, long>> positions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var savedAt = timeProvider.GetUtcNow();
        var entries = new List<KeyValuePair<string, byte[]?>>(positions.Count);
        foreach (var (key, last) in positions)
        {
            entries.Add(new(Key(group, topicName, key), Value(last, savedAt)));
        }

        await topic.SetManyAsync(entries, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> RemoveSavedBeforeAsync(string group, string topicName, DateTimeOffset savedBefore, CancellationToken cancellationToken = default)
    {
        var prefix = Key(group, topicName, string.Empty);
        var now = timeProvider.GetUtcNow();
        var changes = new List<KeyValuePair<string, byte[]?>>();
        var removed = 0;
        foreach (var (key, value) in topic.Entries())
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (value.Length == 8)
            {
                changes.Add(new(key, Value(BinaryPrimitives.ReadInt64LittleEndian(value), now)));
            }
            else if (value.Length == 16 && DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(value.AsSpan(8))) < savedBefore)
            {
                changes.Add(new(key, null));
                removed++;
            }
        }

        await topic.SetManyAsync(changes, cancellationToken).ConfigureAwait(false);
        return removed;
    }

    private static byte[] Value(long last, DateTimeOffset savedAt)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, last);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), savedAt.ToUnixTimeMilliseconds());
        return bytes;
    }

    private static string Key(string group, string topicName, string key) => $"{group}\n{topicName}\n{key}";
}
