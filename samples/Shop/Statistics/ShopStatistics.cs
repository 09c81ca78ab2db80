namespace Shop.Statistics;

/// <summary>Counts what the shop's services did and signals when a given number of orders is fully handled.</summary>
/// <remarks>Thread-safe: handlers of every consumer group update it concurrently.</remarks>
internal sealed class ShopStatistics
{
    private long _ordersPublished;
    private long _paymentsCompleted;
    private long _paymentsFailed;
    private long _inventoryReserved;
    private long _inventoryFailed;
    private long _notificationsSent;
    private long _handlerFailures;
    private Expectation? _expectation;

    public void OrderPublished() => Interlocked.Increment(ref _ordersPublished);

    public void PaymentCompleted() => Count(ref _paymentsCompleted);

    public void PaymentFailed() => Count(ref _paymentsFailed);

    public void InventoryReserved() => Count(ref _inventoryReserved);

    public void InventoryFailed() => Count(ref _inventoryFailed);

    /// <summary>Counts a notification and returns how many were sent so far.</summary>
    public long NotificationSent() => Count(ref _notificationsSent);

    public void HandlerFailed() => Interlocked.Increment(ref _handlerFailures);

    public ShopSnapshot Snapshot() => new(
        Interlocked.Read(ref _ordersPublished),
        Interlocked.Read(ref _paymentsCompleted),
        Interlocked.Read(ref _paymentsFailed),
        Interlocked.Read(ref _inventoryReserved),
        Interlocked.Read(ref _inventoryFailed),
        Interlocked.Read(ref _notificationsSent),
        Interlocked.Read(ref _handlerFailures));

    /// <summary>Returns a task that completes once <paramref name="orders"/> orders are handled by every service.</summary>
    /// <remarks>Replaces the previous expectation; its task never completes.</remarks>
    public Task WhenHandled(long orders)
    {
        var expectation = new Expectation(orders);
        // A full fence on both sides: a counter bumped concurrently is either seen by the check below
        // or its own check sees this expectation, so the signal cannot be lost.
        Interlocked.Exchange(ref _expectation, expectation);
        Check(expectation);
        return expectation.Done.Task;
    }

    private long Count(ref long counter)
    {
        var value = Interlocked.Increment(ref counter);
        if (Volatile.Read(ref _expectation) is { } expectation)
        {
            Check(expectation);
        }

        return value;
    }

    private void Check(Expectation expectation)
    {
        if (Snapshot().HasHandled(expectation.Orders))
        {
            expectation.Done.TrySetResult();
        }
    }

    private sealed class Expectation(long orders)
    {
        public long Orders { get; } = orders;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
