using Microsoft.Extensions.Logging;

namespace Herald.Diagnostics;

/// <summary>Herald's log messages, source-generated.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(1, LogLevel.Information, "Consumer group {Group} started on topic {Topic} with {Members} member(s)")]
    public static partial void ConsumerStarted(ILogger logger, string group, string topic, int members);

    [LoggerMessage(2, LogLevel.Information, "Consumers stopped; in-flight events were drained")]
    public static partial void ConsumersStopped(ILogger logger);

    [LoggerMessage(3, LogLevel.Warning, "Consumer group {Group} failed to handle {EventType} {EventId} (attempt {Attempt}); delivering it again in {Delay}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string group, string eventType, string eventId, int attempt, TimeSpan delay);

    [LoggerMessage(4, LogLevel.Debug, "Consumer group {Group} has no handler for {EventType} {EventId}; skipped")]
    public static partial void EventIgnored(ILogger logger, string group, string eventType, string eventId);

    [LoggerMessage(5, LogLevel.Error, "Event observer {Observer} threw; the outcome is unchanged")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string observer);

    [LoggerMessage(6, LogLevel.Error, "Consumer loop of group {Group} on topic {Topic} failed; restarting it in {Delay}")]
    public static partial void ConsumerLoopFailed(ILogger logger, Exception exception, string group, string topic, TimeSpan delay);

    [LoggerMessage(7, LogLevel.Warning, "Consumers did not drain before the shutdown timeout; in-flight handlers were cancelled and their events will be delivered again")]
    public static partial void DrainTimedOut(ILogger logger);

    [LoggerMessage(8, LogLevel.Information, "Consumer group {Group} failed to handle {EventType} {EventId} (attempt {Attempt}); retrying at once")]
    public static partial void HandlerRetrying(ILogger logger, Exception exception, string group, string eventType, string eventId, int attempt);

    [LoggerMessage(10, LogLevel.Warning, "Consumer group {Group} on topic {Topic}: circuit opened after repeated handler failures; fetching stops for {BreakDuration}")]
    public static partial void CircuitOpened(ILogger logger, string group, string topic, TimeSpan breakDuration);

    [LoggerMessage(11, LogLevel.Information, "Consumer group {Group} on topic {Topic}: circuit half-open; probing with one event")]
    public static partial void CircuitHalfOpened(ILogger logger, string group, string topic);

    [LoggerMessage(12, LogLevel.Information, "Consumer group {Group} on topic {Topic}: circuit closed; consuming again")]
    public static partial void CircuitClosed(ILogger logger, string group, string topic);

    [LoggerMessage(13, LogLevel.Error, "Outbox relay {RelayId} failed to dispatch; its leased rows are claimed again in {Delay}")]
    public static partial void OutboxRelayFailed(ILogger logger, Exception exception, string relayId, TimeSpan delay);

    [LoggerMessage(14, LogLevel.Error, "Outbox relay {RelayId} failed to delete dispatched rows; retrying at the next cleanup")]
    public static partial void OutboxCleanupFailed(ILogger logger, Exception exception, string relayId);

    [LoggerMessage(15, LogLevel.Debug, "Outbox relay {RelayId} deleted {Count} dispatched row(s)")]
    public static partial void OutboxCleanedUp(ILogger logger, string relayId, int count);

    [LoggerMessage(16, LogLevel.Information, "Consumer group {Group} already handled {EventType} {EventId} (idempotency key {Key}); skipped as a duplicate")]
    public static partial void DuplicateSkipped(ILogger logger, string group, string eventType, string eventId, string key);

    [LoggerMessage(17, LogLevel.Error, "Inbox cleanup failed; retrying in {Interval}")]
    public static partial void InboxCleanupFailed(ILogger logger, Exception exception, TimeSpan interval);

    [LoggerMessage(18, LogLevel.Error, "Consumer group {Group} dead-lettered {EventType} {EventId} ({Reason}, {Attempts} attempt(s)); redrive it with herald dlq redrive or IDeadLetters")]
    public static partial void DeadLettered(ILogger logger, Exception exception, string group, string eventType, string eventId, string reason, int attempts);

    [LoggerMessage(20, LogLevel.Debug, "Consumer group {Group} dropped {EventType} {EventId}: sequence {Sequence} of key {Key} was handled already")]
    public static partial void SequenceDuplicate(ILogger logger, string group, string eventType, string eventId, string? key, long? sequence);

    [LoggerMessage(21, LogLevel.Warning, "Consumer group {Group} gave up waiting for sequence numbers {First} to {Last} of key {Key}; the events after the gap are released")]
    public static partial void SequenceGapSkipped(ILogger logger, string group, string key, long first, long last);

    [LoggerMessage(22, LogLevel.Warning, "Consumer group {Group} could not put event {EventId} of partition {Partition} back after its loop failed; the transport delivers it again when the member leaves")]
    public static partial void RewindFailed(ILogger logger, Exception exception, string group, string eventId, int partition);

    [LoggerMessage(23, LogLevel.Warning, "Dead letter stored in {Store} at {Where} cannot be read; it is set aside (kept stored, left out of listings): inspect or remove it by hand")]
    public static partial void DeadLetterUnreadable(ILogger logger, Exception exception, string store, string where);

    [LoggerMessage(24, LogLevel.Warning, "Removing expired redriven dead letters failed; trying again in {Interval}")]
    public static partial void DeadLetterRetentionFailed(ILogger logger, Exception exception, TimeSpan interval);

    [LoggerMessage(25, LogLevel.Error, "Outbox relay {RelayId} quarantined outbox row {RowId} (topic {Topic}, key {Key}): it cannot be read or published, so it is set aside; later rows of its key wait until it is released or discarded")]
    public static partial void OutboxRowQuarantined(ILogger logger, Exception exception, string relayId, long rowId, string topic, string? key);
}
