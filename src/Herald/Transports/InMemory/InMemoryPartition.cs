using Herald.Events;

namespace Herald.Transports.InMemory;

/// <summary>The events of one partition still held: offsets from <see cref="BaseOffset"/> to <see cref="End"/>.</summary>
internal sealed class InMemoryPartition
{
    // Trimming shifts the list, so it waits until a sizeable prefix is done to stay amortized O(1).
    private const int TrimThreshold = 1024;

    private readonly List<EventEnvelope> _events = [];

    public long BaseOffset { get; private set; }

    public long End => BaseOffset + _events.Count;

    public void Append(EventEnvelope envelope) => _events.Add(envelope);

    public EventEnvelope this[long offset] => _events[checked((int)(offset - BaseOffset))];

    /// <summary>Drops events before <paramref name="offset"/>, which every group has completed.</summary>
    public void TrimBefore(long offset)
    {
        var count = offset - BaseOffset;
        if (count >= TrimThreshold)
        {
            _events.RemoveRange(0, (int)count);
            BaseOffset = offset;
        }
    }
}
