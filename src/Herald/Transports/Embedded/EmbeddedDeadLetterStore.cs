using Herald.DeadLetters;

namespace Herald.Transports.Embedded;

/// <summary>The embedded log's dead-letter queues: one compacted state topic keyed by group and event id, values in <see cref="DeadLetterJson"/>.</summary>
internal sealed class EmbeddedDeadLetterStore(StateTopic topic) : IDeadLetterStore
{
    public const string TopicName = "__herald.dead-letters";

    public async ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        await topic.SetAsync(Key(letter.Group, letter.EventId), DeadLetterJson.ToUtf8Bytes(letter), cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<bool> RemoveAsync(string group, string eventId, CancellationToken cancellationToken = default) =>
        topic.SetAsync(Key(group, eventId), null, cancellationToken);

    public ValueTask<DeadLetter?> GetAsync(string group, string eventId, CancellationToken cancellationToken = default) =>
        new(topic.TryGet(Key(group, eventId), out var json) ? DeadLetterJson.Read(json) : null);

    public ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default) =>
        new(topic.Values().Select(json => DeadLetterJson.Read(json)).ToList());

    // Group names cannot hold a newline, so the pair is unambiguous.
    private static string Key(string group, string eventId) => $"{group}\n{eventId}";
}
