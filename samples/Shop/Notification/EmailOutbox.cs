using Shop.Storage;

namespace Shop.Notification;

/// <summary>Keeps the e-mails the shop would send in the <c>emails</c> table, at most one per message id. Thread-safe.</summary>
/// <remarks>In the database rather than in memory, so that a notification service started again after a crash does not
/// write again the e-mails its redelivered events answer.</remarks>
internal sealed class EmailOutbox(ShopDatabase database)
{
    /// <summary>Adds <paramref name="email"/> about order <paramref name="orderId"/>; returns false when an e-mail with its
    /// message id is already there.</summary>
    public async Task<bool> TryAddAsync(string orderId, Email email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO emails (message_id, order_id, recipient, subject) VALUES ($message, $order, $to, $subject)
            ON CONFLICT (message_id) DO NOTHING;
            """;
        command.Parameters.AddWithValue("$message", email.MessageId);
        command.Parameters.AddWithValue("$order", orderId);
        command.Parameters.AddWithValue("$to", email.To);
        command.Parameters.AddWithValue("$subject", email.Subject);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
