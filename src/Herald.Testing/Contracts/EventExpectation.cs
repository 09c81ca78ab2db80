namespace Herald.Testing.Contracts;

/// <summary>Describes what a consumer relies on in one version of one event type.</summary>
/// <param name="EventType">The stable event name, such as <c>order.created</c>.</param>
/// <param name="Version">The schema version the consumer accepts.</param>
/// <param name="Fields">The fields it reads, ordered by path.</param>
public sealed record EventExpectation(string EventType, int Version, IReadOnlyList<FieldExpectation> Fields)
{
    /// <summary>Describes the event as contract messages quote it, such as <c>order.created v2</c>.</summary>
    public override string ToString() => $"{EventType} v{Version}";
}
