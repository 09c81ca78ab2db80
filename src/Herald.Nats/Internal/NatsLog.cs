using Microsoft.Extensions.Logging;

namespace Herald.Nats.Internal;

internal static partial class NatsLog
{
    [LoggerMessage(1, LogLevel.Warning, "NATS pull from {Stream}/{Consumer} failed; retrying.")]
    public static partial void PullFailed(ILogger logger, string stream, string consumer, Exception exception);

    [LoggerMessage(2, LogLevel.Error, "Message {Sequence} of {Stream} (subject {Subject}) is not a CloudEvent Herald can read; it is handed to group {Group} to be dead-lettered as event {EventId}.")]
    public static partial void Unreadable(ILogger logger, ulong sequence, string stream, string subject, string group, string eventId, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "Could not settle message {Sequence} of {Stream}; the server delivers it again.")]
    public static partial void SettleFailed(ILogger logger, ulong sequence, string stream, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "Could not balance the partition leases of group {Group} on {Stream}; retrying.")]
    public static partial void LeasesFailed(ILogger logger, string group, string stream, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "Dead letter at {Where} cannot be read; it is set aside (kept in the bucket, left out of listings).")]
    public static partial void DeadLetterUnreadable(ILogger logger, string where, Exception exception);
}
