using Herald.DeadLetters;
using Herald.Events;
using Herald.Internal;
using Herald.Transports;

namespace Herald.Consuming;

/// <summary>
/// Keeps a partition key's events in order through dead letters
/// (<see cref="ConsumerGroupOptions.KeepKeyOrderOnDeadLetter"/>): while the key has a dead letter in the group, its
/// later events are parked behind it; when the first is handled, the parked ones are redriven in order.
/// </summary>
/// <remarks>
/// The keys that may be parked are kept in memory, loaded from the dead-letter store when the group starts; a key is
/// confirmed against the store (an operator may have purged its dead letters) before an event is parked behind it.
/// </remarks>
internal sealed class KeyParking(Subscription subscription, IDeadLetterStore store, ITransport transport, TimeProvider timeProvider)
{
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private Task? _loading;

    /// <summary>Marks <paramref name="letter"/>'s key as held back behind it.</summary>
    public void Park(DeadLetter letter)
    {
        if (letter.Envelope.PartitionKey is { } key)
        {
            lock (_lock)
            {
                _keys.Add(key);
            }
        }
    }

    /// <summary>Returns the event id of the dead letter <paramref name="envelope"/> must wait behind, or <see langword="null"/> when its key flows.</summary>
    public async ValueTask<string?> ParkedBehindAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        if (envelope.PartitionKey is not { } key || !await MayBeParkedAsync(key, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var letters = await LettersOfAsync(key, cancellationToken).ConfigureAwait(false);
        var id = DeadLetterIdentity.Of(envelope);
        var own = letters.Find(l => l.Id == id);
        // A redriven event waits only behind dead letters of its key that are older than its own.
        var head = letters.Find(l => l != own && (own is null || l.FirstDeadLetteredAt < own.FirstDeadLetteredAt));
        if (letters.Count == 0)
        {
            Unpark(key);
        }

        return head?.EventId;
    }

    /// <summary>After <paramref name="envelope"/> was handled: settles its own dead letter and, once no failed event of its key is left, redrives the events parked behind.</summary>
    public async ValueTask HandledAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        if (envelope.PartitionKey is not { } key || !await MayBeParkedAsync(key, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await store.RemoveAsync(subscription.Group, DeadLetterIdentity.Of(envelope), cancellationToken).ConfigureAwait(false);
        var letters = await LettersOfAsync(key, cancellationToken).ConfigureAwait(false);
        if (letters.Count == 0)
        {
            Unpark(key);
            return;
        }

        // Only events that did not fail themselves move on by themselves; a failed one waits for an operator.
        if (letters[0] is not { Status: DeadLetterStatus.Pending, Failure.Reason: DeadLetterReason.Parked })
        {
            return;
        }

        var topic = Names.RedriveTopic(subscription.Topic, subscription.Group);
        foreach (var letter in letters.TakeWhile(l => l is { Status: DeadLetterStatus.Pending, Failure.Reason: DeadLetterReason.Parked }))
        {
            await transport.SendAsync(topic, letter.Envelope, cancellationToken).ConfigureAwait(false);
            await store.SaveAsync(letter with { Status = DeadLetterStatus.Redriven, RedrivenAt = timeProvider.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<bool> MayBeParkedAsync(string key, CancellationToken cancellationToken)
    {
        Task loading;
        lock (_lock)
        {
            loading = _loading ??= LoadAsync();
        }

        try
        {
            await loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (loading.IsFaulted)
        {
            // The store failed: the next delivery loads again.
            lock (_lock)
            {
                _loading = _loading == loading ? null : _loading;
            }

            throw;
        }
        lock (_lock)
        {
            return _keys.Contains(key);
        }
    }

    private async Task LoadAsync()
    {
        foreach (var letter in await store.GetAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (letter.Group == subscription.Group && letter.Topic == subscription.Topic)
            {
                Park(letter);
            }
        }
    }

    private async ValueTask<List<DeadLetter>> LettersOfAsync(string key, CancellationToken cancellationToken) =>
        [.. (await store.GetAllAsync(cancellationToken).ConfigureAwait(false))
            .Where(l => l.Group == subscription.Group && l.Topic == subscription.Topic && l.Envelope.PartitionKey == key)
            .OrderBy(l => l.FirstDeadLetteredAt)];

    private void Unpark(string key)
    {
        lock (_lock)
        {
            _keys.Remove(key);
        }
    }
}
