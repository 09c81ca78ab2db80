namespace Herald.Publishing;

/// <summary>Signals a publish that would make a causation chain deeper than allowed: a likely event storm.</summary>
public sealed class CausationDepthExceededException : InvalidOperationException
{
    /// <summary>Creates the exception for the publish of <paramref name="eventType"/> at <paramref name="depth"/>.</summary>
    public CausationDepthExceededException(string eventType, int depth, int maxDepth, string correlationId, string causationId, string causationType)
        : base($"Publishing '{eventType}' from the handler of '{causationType}' (event {causationId}) would reach causation depth {depth}, " +
               $"over the limit of {maxDepth}. Chain: correlation {correlationId}: ... → '{causationType}' → '{eventType}'. " +
               "A handler that publishes what triggers it again loops forever; raise HeraldOptions.MaxCausationDepth only for a legitimately deep chain.")
    {
        EventType = eventType;
        Depth = depth;
        MaxDepth = maxDepth;
        CorrelationId = correlationId;
        CausationId = causationId;
        CausationType = causationType;
    }

    /// <summary>Creates the exception with a message.</summary>
    public CausationDepthExceededException(string message) : base(message) => (EventType, CorrelationId, CausationId, CausationType) = ("", "", "", "");

    /// <summary>Creates the exception with a message and cause.</summary>
    public CausationDepthExceededException(string message, Exception innerException) : base(message, innerException) =>
        (EventType, CorrelationId, CausationId, CausationType) = ("", "", "", "");

    /// <summary>Creates the exception with a default message.</summary>
    public CausationDepthExceededException() : this("The causation chain is deeper than allowed.") { }

    /// <summary>Gets the name of the event that was not published.</summary>
    public string EventType { get; }

    /// <summary>Gets the depth the event would have had.</summary>
    public int Depth { get; }

    /// <summary>Gets the configured maximum depth.</summary>
    public int MaxDepth { get; }

    /// <summary>Gets the correlation id of the chain.</summary>
    public string CorrelationId { get; }

    /// <summary>Gets the id of the event whose handler tried to publish.</summary>
    public string CausationId { get; }

    /// <summary>Gets the name of the event whose handler tried to publish.</summary>
    public string CausationType { get; }
}
