namespace Herald.Events;

/// <summary>Declares the stable name and schema version of an event record.</summary>
/// <remarks>
/// The name travels as the CloudEvents <c>type</c> and never changes when the CLR type is renamed
/// or moved. Names are lowercase words joined by <c>.</c>, <c>-</c> or <c>_</c>, such as
/// <c>order.created</c>.
/// </remarks>
/// <param name="name">The stable event name, for example <c>order.created</c>.</param>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class EventAttribute(string name) : Attribute
{
    /// <summary>Gets the stable event name.</summary>
    public string Name { get; } = name;

    /// <summary>Gets or sets the schema version of the payload. Default 1, at least 1.</summary>
    public int Version { get; set; } = 1;

    /// <summary>Gets or sets the topic the event is published to. Default: the event name.</summary>
    public string? Topic { get; set; }
}
