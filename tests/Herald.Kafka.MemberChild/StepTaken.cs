using Herald.Events;

namespace Herald.Kafka.MemberChild;

/// <summary>The keyed event of the stream: step <paramref name="Sequence"/> (0, 1, 2, …) of <paramref name="Key"/>.</summary>
[Event(Name)]
public sealed record StepTaken(string Key, long Sequence)
{
    /// <summary>The event name; the test publishes envelopes of this type.</summary>
    public const string Name = "members.step-taken";
}
