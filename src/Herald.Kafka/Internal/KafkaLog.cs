using Microsoft.Extensions.Logging;

namespace Herald.Kafka.Internal;

internal static partial class KafkaLog
{
    [LoggerMessage(EventId = 1, Message = "librdkafka {Client} [{Facility}]: {Message}")]
    public static partial void Client(ILogger logger, LogLevel level, string client, string facility, string message);

    [LoggerMessage(EventId = 2, Message = "Kafka client error {Code}: {Reason} (fatal: {Fatal})")]
    public static partial void ClientError(ILogger logger, LogLevel level, Confluent.Kafka.ErrorCode code, string reason, bool fatal);

    [LoggerMessage(EventId = 9, Message = "librdkafka {Client} [{Facility}]: {Message} ({Suppressed} more like it not logged since the last one logged)")]
    public static partial void ClientRepeated(ILogger logger, LogLevel level, string client, string facility, string message, int suppressed);

    [LoggerMessage(EventId = 10, Message = "Kafka client error {Code}: {Reason} (fatal: false; {Suppressed} more like it not logged since the last one logged)")]
    public static partial void ClientErrorRepeated(ILogger logger, LogLevel level, Confluent.Kafka.ErrorCode code, string reason, int suppressed);

    [LoggerMessage(3, LogLevel.Error, "Record {Topic}[{Partition}]@{Offset} is not a CloudEvent Herald can read; it is handed to group {Group} to be dead-lettered as event {EventId}.")]
    public static partial void Unreadable(ILogger logger, string topic, int partition, long offset, string group, string eventId, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "Consumer of group {Group} on {Topic} failed; it leaves the group and joins again.")]
    public static partial void ConsumerFailed(ILogger logger, string group, string topic, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "Could not commit the offsets of group {Group} on {Topic} for the partitions given up ({Partitions}); their completed events may be delivered again.")]
    public static partial void CommitFailed(ILogger logger, string group, string topic, string partitions, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "Dead letter at {Where} cannot be read; it is set aside (kept in the topic, left out of listings).")]
    public static partial void DeadLetterUnreadable(ILogger logger, string where, Exception exception);

    [LoggerMessage(7, LogLevel.Warning, "Group {Group} was assigned partition {Partition} of {Topic}, which had {Count} partitions when this process joined; it is not consumed here until the process restarts.")]
    public static partial void PartitionBeyondCount(ILogger logger, string group, string topic, int partition, int count);

    [LoggerMessage(8, LogLevel.Information, "Group {Group} on {Topic}: partitions {Partitions} {Change}.")]
    public static partial void Rebalanced(ILogger logger, string group, string topic, string partitions, string change);

    [LoggerMessage(9, LogLevel.Warning, "Group {Group} on {Topic}: partitions {Partitions} were revoked with events still in flight after {Timeout}; they are handed over, and those events come again to the next owner.")]
    public static partial void RevocationTimedOut(ILogger logger, string group, string topic, string partitions, TimeSpan timeout);

    [LoggerMessage(10, LogLevel.Debug, "Group {Group} on {Topic}: partitions {Partitions} revoked; the events this process handed out of them are finished before they move.")]
    public static partial void Draining(ILogger logger, string group, string topic, string partitions);
}
