using Herald.Events;

namespace Herald.Internal;

/// <summary>Flows the envelope being handled to publishes made while handling it.</summary>
internal static class AmbientEvent
{
    private static readonly AsyncLocal<EventEnvelope?> Slot = new();

    public static EventEnvelope? Current
    {
        get => Slot.Value;
        set => Slot.Value = value;
    }
}
