using System.Buffers.Binary;
using Herald.Consuming.Ordering;

namespace Herald.Transports.Embedded;

/// <summary>The embedded log's sequence positions: a compacted state topic keyed by group, topic and partition key.</summary>
internal sealed class EmbeddedSequencePositions(StateTopic topic) : ISequencePositionStore
{
    public const string TopicName = "__herald.sequences";

    public ValueTask<long?> GetAsync(string group, string topicName, string key, CancellationToken cancellationToken = default) =>
        new(topic.TryGet(Key(group, topicName, key), out var bytes) && bytes.Length == 8 ? BinaryPrimitives.ReadInt64LittleEndian(bytes) : null);

    public async ValueTask SaveAsync(string group, string topicName, IReadOnlyCollection<KeyValuePair<string, long>> positions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var entries = new List<KeyValuePair<string, byte[]?>>(positions.Count);
        foreach (var (key, last) in positions)
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, last);
            entries.Add(new(Key(group, topicName, key), bytes));
        }

        await topic.SetManyAsync(entries, cancellationToken).ConfigureAwait(false);
    }

    private static string Key(string group, string topicName, string key) => $"{group}\n{topicName}\n{key}";
}
