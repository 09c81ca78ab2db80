namespace Herald.Testing.Contracts;

/// <summary>Describes one consumer expectation a producer's events do not meet.</summary>
/// <param name="Consumer">The consumer whose contract is broken.</param>
/// <param name="EventType">The event type.</param>
/// <param name="Version">The version the consumer expects.</param>
/// <param name="Field">The field path, or null when the whole event or version is missing.</param>
/// <param name="Message">The full explanation, naming the consumer, the event, the version and the field.</param>
public sealed record ContractViolation(string Consumer, string EventType, int Version, string? Field, string Message)
{
    /// <summary>Returns <see cref="Message"/>.</summary>
    public override string ToString() => Message;
}
