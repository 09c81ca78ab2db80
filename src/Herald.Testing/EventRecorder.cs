using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Events;

namespace Herald.Testing;

/// <summary>Records everything published, handled, failed, ignored and dead-lettered, in the order it happened.</summary>
internal sealed class EventRecorder : IEventObserver
{
    private readonly Lock _sync = new();
    private readonly List<PublishedEvent> _published = [];
    private readonly List<HandledEvent> _handled = [];
    private readonly List<FailedEvent> _failed = [];
    private readonly List<(string Group, EventEnvelope Envelope)> _ignored = [];
    private readonly List<(string Group, EventEnvelope Envelope)> _duplicates = [];
    private readonly List<DeadLetter> _deadLettered = [];

    public IReadOnlyList<PublishedEvent> Published => Snapshot(_published);

    public IReadOnlyList<HandledEvent> Handled => Snapshot(_handled);

    public IReadOnlyList<FailedEvent> Failed => Snapshot(_failed);

    public IReadOnlyList<(string Group, EventEnvelope Envelope)> Ignored => Snapshot(_ignored);

    public IReadOnlyList<(string Group, EventEnvelope Envelope)> Duplicates => Snapshot(_duplicates);

    public IReadOnlyList<DeadLetter> DeadLettered => Snapshot(_deadLettered);

    public void OnPublished(EventEnvelope envelope, object @event) => Add(_published, new(envelope, @event));

    public void OnHandled(EventEnvelope envelope, object @event, string group) => Add(_handled, new(group, envelope, @event));

    public void OnFailed(EventEnvelope envelope, string group, int attempt, Exception exception) => Add(_failed, new(group, envelope, attempt, exception));

    public void OnIgnored(EventEnvelope envelope, string group) => Add(_ignored, (group, envelope));

    public void OnDuplicate(EventEnvelope envelope, string group) => Add(_duplicates, (group, envelope));

    public void OnDeadLettered(DeadLetter letter) => Add(_deadLettered, letter);

    private void Add<T>(List<T> list, T item)
    {
        lock (_sync)
        {
            list.Add(item);
        }
    }

    private List<T> Snapshot<T>(List<T> list)
    {
        lock (_sync)
        {
            return [.. list];
        }
    }
}
