using Herald.Events;

namespace Herald.Bench;

/// <summary>The event every measurement moves: an id, a key and a payload of a fixed size.</summary>
[Event(EventName)]
public sealed record BenchEvent(long Id, string Key, string Payload)
{
    /// <summary>The event's name, and its topic unless a run gives it one of its own.</summary>
    public const string EventName = "bench.measured";

    public static BenchEvent Create(long id, int payloadBytes) =>
        new(id, $"key-{id % 1024}", new string('x', Math.Max(0, payloadBytes - 40)));
}
