namespace Shop.Statistics;

/// <summary>Counts what the shop's services did and signals when a given amount of work is fully handled.</summary>
/// <remarks>
/// Thread-safe: handlers of every consumer group update it concurrently. An event about an order an earlier run placed
/// (left in the data directory when that run stopped) counts only as an earlier-run event, so this run's counters
/// and its completion cover exactly its own orders.
/// </remarks>
internal sealed class ShopStatistics(ShopRun run)
{
    private long _ordersPublished;
    private long _paymentsCompleted;
    private long _paymentsFailed;
    private long _inventoryReserved;
    private long _inventoryFailed;
    private long _notificationsSent;
    private long _handlerFailures;
    private long _earlierRunEvents;
    private Expectation? _expectation;

    public void OrderPublished() => Interlocked.Increment(ref _ordersPublished);

    public void PaymentCompleted(string orderId) => Count(ref _paymentsCompleted, orderId);

    public void PaymentFailed(string orderId) => Count(ref _paymentsFailed, orderId);

    public void InventoryReserved(string orderId) => Count(ref _inventoryReserved, orderId);

    public void InventoryFailed(string orderId) => Count(ref _inventoryFailed, orderId);

    /// <summary>Counts a notification and returns how many this run sent so far, or null for an earlier run's order.</summary>
    public long? NotificationSent(string orderId) => Count(ref _notificationsSent, orderId);

    public void HandlerFailed() => Interlocked.Increment(ref _handlerFailures);

    public ShopSnapshot Snapshot() => new(
        Interlocked.Read(ref _ordersPublished),
        Interlocked.Read(ref _paymentsCompleted),
        Interlocked.Read(ref _paymentsFailed),
        Interlocked.Read(ref _inventoryReserved),
        Interlocked.Read(ref _inventoryFailed),
        Interlocked.Read(ref _notificationsSent),
        Interlocked.Read(ref _handlerFailures),
        Interlocked.Read(ref _earlierRunEvents));

    /// <summary>Returns a task that completes once <paramref name="orders"/> orders are handled by every service and
    /// <paramref name="earlierRunEvents"/> events of earlier runs' orders are handled.</summary>
    /// <remarks>Replaces the previous expectation; its task never completes.</remarks>
    public Task WhenHandled(long orders, long earlierRunEvents = 0)
    {
        var expectation = new Expectation(orders, earlierRunEvents);
        // A full fence on both sides: a counter bumped concurrently is either seen by the check below
        // or its own check sees this expectation, so the signal cannot be lost.
        Interlocked.Exchange(ref _expectation, expectation);
        Check(expectation);
        return expectation.Done.Task;
    }

    private long? Count(ref long counter, string orderId)
    {
        long? value = null;
        if (run.Placed(orderId))
        {
            value = Interlocked.Increment(ref counter);
        }
        else
        {
            Interlocked.Increment(ref _earlierRunEvents);
        }

        if (Volatile.Read(ref _expectation) is { } expectation)
        {
            Check(expectation);
        }

        return value;
    }

    private void Check(Expectation expectation)
    {
        if (Snapshot().HasHandled(expectation.Orders, expectation.EarlierRunEvents))
        {
            expectation.Done.TrySetResult();
        }
    }

    private sealed class Expectation(long orders, long earlierRunEvents)
    {
        public long Orders { get; } = orders;

        public long EarlierRunEvents { get; } = earlierRunEvents;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
