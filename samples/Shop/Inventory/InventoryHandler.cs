using Herald.Consuming;
using Herald.Inbox;
using Herald.Outbox;
using Microsoft.Data.Sqlite;
using Shop.Events;
using Shop.Statistics;
using Shop.Storage;

namespace Shop.Inventory;

/// <summary>Reserves each order's stock once and announces the outcome; the inbox record, the reservation (or its
/// shortage) and the outcome event commit in one transaction, so a duplicate delivery neither reserves nor announces again.</summary>
/// <remarks>The stock itself lives in memory (<see cref="Stock"/>), idempotent per order id, so a rolled-back attempt
/// gets the same answer when it is retried.</remarks>
[ConsumerGroup(Group)]
internal sealed class InventoryHandler(IInbox inbox, IOutboxPublisher outbox, ShopDatabase database, Stock stock, ShopStatistics statistics) : IEventHandler<OrderCreated>
{
    public const string Group = "inventory";

    public async Task HandleAsync(EventContext<OrderCreated> context)
    {
        var order = context.Event;
        var cancellationToken = context.CancellationToken;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        if (!await inbox.TryAcceptAsync(context, transaction, order.OrderId, cancellationToken))
        {
            return;
        }

        var reserved = stock.TryReserve(order.OrderId, order.Lines, out var shortage);
        await using (var reservation = connection.CreateCommand())
        {
            reservation.Transaction = transaction;
            reservation.CommandText = "INSERT INTO reservations (order_id, shortage) VALUES ($order, $shortage);";
            reservation.Parameters.AddWithValue("$order", order.OrderId);
            reservation.Parameters.AddWithValue("$shortage", (object?)shortage ?? DBNull.Value);
            await reservation.ExecuteNonQueryAsync(cancellationToken);
        }

        if (reserved)
        {
            await outbox.PublishAsync(transaction, new InventoryReserved(order.OrderId, order.Lines), cancellationToken: cancellationToken);
        }
        else
        {
            await outbox.PublishAsync(transaction, new InventoryReservationFailed(order.OrderId, shortage!), cancellationToken: cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (reserved)
        {
            statistics.InventoryReserved(order.OrderId);
        }
        else
        {
            statistics.InventoryFailed(order.OrderId);
        }
    }
}
