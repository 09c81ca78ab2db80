using System.Buffers.Binary;

namespace Herald.Transports.Embedded;

/// <summary>
/// The redelivery schedule of each group's failed event per partition, kept durably so that a restart continues it:
/// the failed offset, how many deliveries it had, when it is due, and when it first failed.
/// </summary>
internal sealed class RetryStates(StateTopic topic)
{
    public const string TopicName = "__herald.retries";

    public RetryState? Get(string topicName, string group, int partition) =>
        topic.TryGet(Key(topicName, group, partition), out var bytes) && bytes.Length == 32
            ? new RetryState(
                BinaryPrimitives.ReadInt64LittleEndian(bytes),
                (int)BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)),
                DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16))),
                DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(24))))
            : null;

    public async ValueTask SetAsync(string topicName, string group, int partition, RetryState state, CancellationToken cancellationToken)
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

/// <summary>A partition's failed event: its offset, deliveries so far, when it comes again, and when it first failed.</summary>
internal readonly record struct RetryState(long Offset, int DeliveryCount, DateTimeOffset NotBefore, DateTimeOffset FirstFailedAt);
