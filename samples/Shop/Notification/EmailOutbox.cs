using System.Collections.Concurrent;

namespace Shop.Notification;

/// <summary>Collects the e-mails the shop would send, at most one per message id. Thread-safe.</summary>
internal sealed class EmailOutbox
{
    private readonly ConcurrentDictionary<string, Email> _emails = new(StringComparer.Ordinal);

    public int Count => _emails.Count;

    /// <summary>Adds <paramref name="email"/>; returns false when an e-mail with its message id is already there.</summary>
    public bool TryAdd(Email email)
    {
        ArgumentNullException.ThrowIfNull(email);
        return _emails.TryAdd(email.MessageId, email);
    }
}
