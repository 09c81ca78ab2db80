using System.Collections;
using Herald.Events;

namespace Herald.Diagnostics;

/// <summary>The log scope of one handling: the event's id, correlation id and type, and the consumer group.</summary>
/// <remarks>A struct over the envelope, read on demand, as ASP.NET Core's request scope: no dictionary is built.</remarks>
internal readonly struct HandlingLogScope(EventEnvelope envelope, string group) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 4;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("EventId", envelope.EventId),
        1 => new("CorrelationId", envelope.CorrelationId),
        2 => new("EventType", envelope.EventType),
        3 => new("ConsumerGroup", group),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() =>
        $"EventId:{envelope.EventId} CorrelationId:{envelope.CorrelationId} EventType:{envelope.EventType} ConsumerGroup:{group}";
}
