using System.Text.Json.Serialization.Metadata;

namespace Herald.Events;

/// <summary>Describes one registered event type: its stable name, version, CLR type and topic.</summary>
public sealed class EventDescriptor
{
    internal EventDescriptor(string name, int version, Type clrType, string topic, JsonTypeInfo typeInfo, Func<object, string?>? partitionKey, Func<object, long>? sequence = null, bool sequencePerKey = false)
    {
        Name = name;
        Version = version;
        ClrType = clrType;
        Topic = topic;
        TypeInfo = typeInfo;
        PartitionKey = partitionKey;
        Sequence = sequence;
        SequencePerKey = sequencePerKey;
    }

    /// <summary>Gets the stable event name (CloudEvents <c>type</c>).</summary>
    public string Name { get; }

    /// <summary>Gets the current schema version.</summary>
    public int Version { get; }

    /// <summary>Gets the record type the payload deserializes into.</summary>
    public Type ClrType { get; }

    /// <summary>Gets the topic the event is published to.</summary>
    public string Topic { get; }

    internal JsonTypeInfo TypeInfo { get; }

    internal Func<object, string?>? PartitionKey { get; }

    internal Func<object, long>? Sequence { get; }

    /// <summary>Gets whether the outbox numbers this event per topic and partition key.</summary>
    internal bool SequencePerKey { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} v{Version} ({ClrType.Name})";
}
