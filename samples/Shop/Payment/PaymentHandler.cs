using Herald.Consuming;
using Herald.Inbox;
using Herald.Outbox;
using Microsoft.Data.Sqlite;
using Shop.Events;
using Shop.Statistics;
using Shop.Storage;

namespace Shop.Payment;

/// <summary>Charges each order once: the inbox record, the charge (or the decline) and the payment outcome event commit in
/// one transaction.</summary>
/// <remarks>
/// A delivery of an order already charged (a duplicate, or a redelivery after a crash) finds its inbox record and
/// changes nothing. A failure anywhere (the issuer's timeout included) rolls back all three, so Herald's redelivery
/// starts from a clean slate. The outcome goes through the outbox rather than straight to the transport: publishing it
/// after the commit could lose it in a crash between the two, and the inbox would then skip the redelivery.
/// </remarks>
[ConsumerGroup(Group)]
internal sealed class PaymentHandler(IInbox inbox, IOutboxPublisher outbox, ShopDatabase database, ShopStatistics statistics) : IEventHandler<OrderCreated>
{
    public const string Group = "payment";

    public async Task HandleAsync(EventContext<OrderCreated> context)
    {
        var order = context.Event;
        var cancellationToken = context.CancellationToken;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);

        // Keyed by the order, not the event id: an order announced twice under two event ids is still charged once.
        if (!await inbox.TryAcceptAsync(context, transaction, order.OrderId, cancellationToken))
        {
            return;
        }

        var authorized = CardIssuer.TryAuthorize(order.CardToken, context.Attempt, out var declineReason);
        if (authorized)
        {
            await using var charge = connection.CreateCommand();
            charge.Transaction = transaction;
            charge.CommandText = "INSERT INTO charges (order_id, amount) VALUES ($order, $amount);";
            charge.Parameters.AddWithValue("$order", order.OrderId);
            charge.Parameters.AddWithValue("$amount", order.Total);
            await charge.ExecuteNonQueryAsync(cancellationToken);
            await outbox.PublishAsync(transaction, new PaymentCompleted(order.OrderId, order.CustomerEmail, order.Total), cancellationToken: cancellationToken);
        }
        else
        {
            await using var decline = connection.CreateCommand();
            decline.Transaction = transaction;
            decline.CommandText = "INSERT INTO declines (order_id, reason) VALUES ($order, $reason);";
            decline.Parameters.AddWithValue("$order", order.OrderId);
            decline.Parameters.AddWithValue("$reason", declineReason!);
            await decline.ExecuteNonQueryAsync(cancellationToken);
            await outbox.PublishAsync(transaction, new PaymentFailed(order.OrderId, order.CustomerEmail, order.Total, declineReason!), cancellationToken: cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (authorized)
        {
            statistics.PaymentCompleted(order.OrderId);
        }
        else
        {
            statistics.PaymentFailed(order.OrderId);
        }
    }
}
