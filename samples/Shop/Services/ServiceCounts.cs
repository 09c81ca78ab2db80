using Shop.Storage;

namespace Shop.Services;

/// <summary>What a run's services have done, as their tables record it: the orders placed, charged or declined, reserved
/// or short, and notified. <see cref="PaymentsCharged"/> counts charge rows, <see cref="PaymentsCompleted"/> the orders
/// with one: they differ only if an order was charged twice.</summary>
/// <remarks>Read from the database rather than counted in memory, so that a service started again after a crash reports,
/// and waits for, the whole run and not only what it did since it started. A service's database holds only its own
/// tables' rows: the other counts read 0 there.</remarks>
internal readonly record struct ServiceCounts(
    long Orders,
    long PaymentsCompleted,
    long PaymentsFailed,
    long PaymentsCharged,
    long InventoryReserved,
    long InventoryFailed,
    long NotificationsSent)
{
    // Order ids of a run lie between "order-<run>-" and "order-<run>." ('.' follows '-'), a range the indexes on order_id serve.
    private const string CountsOfRun = """
        SELECT
            (SELECT COUNT(*) FROM orders WHERE run_id = $run),
            (SELECT COUNT(DISTINCT order_id) FROM charges WHERE order_id >= $from AND order_id < $to),
            (SELECT COUNT(DISTINCT order_id) FROM declines WHERE order_id >= $from AND order_id < $to),
            (SELECT COUNT(*) FROM charges WHERE order_id >= $from AND order_id < $to),
            (SELECT COUNT(DISTINCT order_id) FROM reservations WHERE order_id >= $from AND order_id < $to AND shortage IS NULL),
            (SELECT COUNT(DISTINCT order_id) FROM reservations WHERE order_id >= $from AND order_id < $to AND shortage IS NOT NULL),
            (SELECT COUNT(DISTINCT order_id) FROM emails WHERE order_id >= $from AND order_id < $to);
        """;

    /// <summary>Returns how many of the run's orders <paramref name="service"/> has handled.</summary>
    public long Handled(ShopService service) => service switch
    {
        ShopService.Orders => Orders,
        ShopService.Payment => PaymentsCompleted + PaymentsFailed,
        ShopService.Inventory => InventoryReserved + InventoryFailed,
        ShopService.Notification => NotificationsSent,
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "Not one of the shop's services."),
    };

    /// <summary>Reads what the services whose tables <paramref name="database"/> holds have done for <paramref name="run"/>.</summary>
    public static async Task<ServiceCounts> ReadAsync(ShopDatabase database, ShopRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(run);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = CountsOfRun;
        command.Parameters.AddWithValue("$run", run.Id);
        command.Parameters.AddWithValue("$from", run.OrderIdPrefix);
        command.Parameters.AddWithValue("$to", run.OrderIdPrefix[..^1] + ".");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6));
    }
}
