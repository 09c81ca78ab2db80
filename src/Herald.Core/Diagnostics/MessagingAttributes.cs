namespace Herald.Diagnostics;

/// <summary>The attribute names and values of the OpenTelemetry messaging conventions (1.37.0) Herald uses, and its own.</summary>
internal static class MessagingAttributes
{
    public const string System = "messaging.system";
    public const string DestinationName = "messaging.destination.name";
    public const string PartitionId = "messaging.destination.partition.id";
    public const string ConsumerGroup = "messaging.consumer.group.name";
    public const string OperationName = "messaging.operation.name";
    public const string OperationType = "messaging.operation.type";
    public const string MessageId = "messaging.message.id";
    public const string ConversationId = "messaging.message.conversation_id";
    public const string EventType = "cloudevents.event_type";
    public const string ErrorType = "error.type";
    public const string DeliveryCount = "herald.delivery.count";
    public const string DeadLetterReason = "herald.dead_letter.reason";
    public const string DeadLetterStatus = "herald.dead_letter.status";
    public const string EvictionReason = "herald.dead_letter.eviction_reason";

    public const string Send = "send";
    public const string Process = "process";

    /// <summary>The extension that carries the W3C <c>tracestate</c> next to the envelope's <c>traceparent</c>.</summary>
    public const string TraceState = "tracestate";

    /// <summary>The histogram boundaries the conventions recommend for messaging durations, in seconds.</summary>
    public static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    public static string ErrorTypeOf(Exception exception) => exception.GetType().FullName ?? exception.GetType().Name;
}
