using System.Buffers.Binary;
using Herald.Log;
using Herald.Transports.Partitioned;

namespace Herald.Transports.Embedded;

/// <summary>
/// The redelivery schedule of each group's failed event per partition, kept durably so that a restart continues it:
/// the failed offset, how many deliveries it had, when it is due, and when it first failed.
/// </summary>
internal sealed class RetryStates(StateTopic topic)
{
    public const string TopicName = "__herald.retries";

    public PartitionRedelivery? Get(string topicName, string group, int partition) =>
        topic.TryGet(Key(topicName, group, partition), out var bytes) && bytes.Length == 32
            ? new PartitionRedelivery(
                BinaryPrimitives.ReadInt64LittleEndian(bytes),
                (int)BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)),
                DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16))),
                DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(24))))
            : null;

    public async ValueTask SetAsync(string topicName, string group, int partition, PartitionRedelivery state, CancellationToken cancellationToken)
    {
        var bytes = new byte[32];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, state.Offset);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), state.DeliveryCount);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), state.NotBefore.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24), state.FirstFailedAt.ToUnixTimeMilliseconds());
        await topic.SetAsync(Key(topicName, group, partition), bytes, cancellationToken).ConfigureAwait(false);
    }

    private static string Key(string topicName, string group, int partition) => $"{group}\n{topicName}\n{partition}";
}
