using Herald.Events;
using Herald.Hosting;
using Herald.Transports.Partitioned;

namespace Herald.Transports.InMemory;

/// <summary>The events of one partition still held: offsets from <see cref="BaseOffset"/> to <see cref="End"/>. Guarded by the topic's lock.</summary>
internal sealed class InMemoryPartition(int id)
{
    // Trimming shifts the list, so it waits until a sizeable prefix is done to stay amortized O(1).
    private const int TrimThreshold = 1024;

    private readonly List<EventEnvelope> _events = [];
    private TaskCompletionSource<bool>? _signal;

    public long BaseOffset { get; private set; }

    public long End => BaseOffset + _events.Count;

    public void Append(EventEnvelope envelope)
    {
        _events.Add(envelope);
        _signal?.TrySetResult(true);
        _signal = null;
    }

    public int Read(ref long position, List<SourceMessage> messages, int maxCount, EventLimits limits)
    {
        var added = 0;
        for (; position < End && added < maxCount; position++, added++)
        {
            // An event over the limits (sent by a producer with larger ones) is handed out as what they keep of it, to be dead-lettered.
            var envelope = EnvelopeLimits.Check(_events[checked((int)(position - BaseOffset))], limits, $"inmemory-{id}@{position}", out var tooLarge);
            messages.Add(new SourceMessage(position, envelope, tooLarge));
        }

        return added;
    }

    /// <summary>Returns null when <paramref name="position"/> holds an event, else a task shared by every reader that completes at the next append.</summary>
    public Task<bool>? Signal(long position) =>
        position < End ? null : (_signal ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

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
