namespace Herald.Consuming;

/// <summary>Puts a handler class in a consumer group when it is registered by assembly scan.</summary>
/// <param name="name">The consumer group name.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ConsumerGroupAttribute(string name) : Attribute
{
    /// <summary>Gets the consumer group name.</summary>
    public string Name { get; } = name;
}
