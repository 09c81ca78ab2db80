namespace Herald.Consuming;

/// <summary>When a consumer group tells the transport an event is done with.</summary>
public enum AcknowledgementMode
{
    /// <summary>
    /// After the handler succeeds (the default). A crash or a failure brings the event back, so a handler may see it
    /// twice: make the effect idempotent, or use the inbox for an exactly-once effect.
    /// </summary>
    AtLeastOnce,

    /// <summary>
    /// Before the handler runs. An event is never handled twice, but one whose handler fails or is interrupted is lost
    /// (reported to observers and logged): for events whose loss costs less than a duplicate, such as cache refreshes.
    /// </summary>
    AtMostOnce,
}
