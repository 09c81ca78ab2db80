using System.Collections.Concurrent;
using Herald.Events;

namespace Shop.Statistics;

/// <summary>Counts what the shop's services did and signals when a given amount of work is fully handled.</summary>
/// <remarks>
/// Thread-safe: handlers of every consumer group update it concurrently. An event about an order an earlier run placed
/// (left in the data directory when that run stopped) counts only as an earlier-run event, so this run's counters
/// and its completion cover exactly its own orders (and its own poison events).
/// </remarks>
internal sealed class ShopStatistics(ShopRun run)
{
    // Failed handler calls per (group, event id) not yet dead-lettered: when one is, its failures were not retried.
    private readonly ConcurrentDictionary<(string Group, string EventId), int> _failuresPending = new();
    private readonly ConcurrentDictionary<string, bool> _deadLetteredEvents = new(StringComparer.Ordinal);
    private long _ordersPublished;
    private long _paymentsCompleted;
    private long _paymentsFailed;
    private long _inventoryReserved;
    private long _inventoryFailed;
    private long _notificationsSent;
    private long _handlerFailures;
    private long _failuresDeadLettered;
    private long _earlierRunEvents;
    private long _duplicatesInjected;
    private long _duplicatesSkipped;
    private long _deadLetterEntries;
    private Expectation? _expectation;

    public void OrderPublished() => Interlocked.Increment(ref _ordersPublished);

    public void PaymentCompleted(string orderId) => Count(ref _paymentsCompleted, orderId);

    public void PaymentFailed(string orderId) => Count(ref _paymentsFailed, orderId);

    public void InventoryReserved(string orderId) => Count(ref _inventoryReserved, orderId);

    public void InventoryFailed(string orderId) => Count(ref _inventoryFailed, orderId);

    /// <summary>Counts a notification and returns how many this run sent so far, or null for an earlier run's order.</summary>
    public long? NotificationSent(string orderId) => Count(ref _notificationsSent, orderId);

    /// <summary>Counts a failed handler call on one of this run's events; it is a retry unless <see cref="DeadLettered"/>
    /// follows for the same event and group.</summary>
    public void HandlerFailed(string group, EventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (run.Owns(envelope.PartitionKey))
        {
            _failuresPending.AddOrUpdate((group, envelope.EventId), 1, static (_, failures) => failures + 1);
            Interlocked.Increment(ref _handlerFailures);
        }
    }

    public void DuplicateInjected() => Interlocked.Increment(ref _duplicatesInjected);

    /// <summary>Counts a delivery an inbox skipped because its group had already handled the order.</summary>
    /// <remarks>An earlier run's order counts as an earlier-run event: skipping is how this run settles it.</remarks>
    public void DuplicateSkipped(string orderId) => Count(ref _duplicatesSkipped, orderId);

    /// <summary>Counts an entry <paramref name="group"/> made in its dead-letter queue for one of this run's events.</summary>
    /// <remarks>An earlier run's event counts as an earlier-run event: dead-lettering is how this run settles it.</remarks>
    public void DeadLettered(string group, EventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (!run.Owns(envelope.PartitionKey))
        {
            Interlocked.Increment(ref _earlierRunEvents);
        }
        else
        {
            if (_failuresPending.TryRemove((group, envelope.EventId), out var failures))
            {
                Interlocked.Add(ref _failuresDeadLettered, failures);
            }

            _deadLetteredEvents.TryAdd(envelope.EventId, true);
            Interlocked.Increment(ref _deadLetterEntries);
        }

        CheckExpectation();
    }

    public ShopSnapshot Snapshot()
    {
        var failures = Interlocked.Read(ref _handlerFailures);
        return new(
            Interlocked.Read(ref _ordersPublished),
            Interlocked.Read(ref _paymentsCompleted),
            Interlocked.Read(ref _paymentsFailed),
            Interlocked.Read(ref _inventoryReserved),
            Interlocked.Read(ref _inventoryFailed),
            Interlocked.Read(ref _notificationsSent),
            failures,
            Interlocked.Read(ref _earlierRunEvents),
            failures - Interlocked.Read(ref _failuresDeadLettered),
            Interlocked.Read(ref _duplicatesInjected),
            Interlocked.Read(ref _duplicatesSkipped),
            _deadLetteredEvents.Count,
            Interlocked.Read(ref _deadLetterEntries));
    }

    /// <summary>Returns a task that completes once the snapshot reaches <paramref name="expected"/>.</summary>
    /// <remarks>Replaces the previous expectation; its task never completes.</remarks>
    public Task WhenHandled(ShopWork expected)
    {
        var expectation = new Expectation(expected);
        // A full fence on both sides: a counter bumped concurrently is either seen by the check below
        // or its own check sees this expectation, so the signal cannot be lost.
        Interlocked.Exchange(ref _expectation, expectation);
        Check(expectation);
        return expectation.Done.Task;
    }

    /// <summary>Returns a task that completes once <paramref name="orders"/> orders are handled by every service.</summary>
    public Task WhenHandled(long orders) => WhenHandled(new ShopWork(orders));

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

        CheckExpectation();
        return value;
    }

    private void CheckExpectation()
    {
        if (Volatile.Read(ref _expectation) is { } expectation)
        {
            Check(expectation);
        }
    }

    private void Check(Expectation expectation)
    {
        if (Snapshot().HasHandled(expectation.Work))
        {
            expectation.Done.TrySetResult();
        }
    }

    private sealed class Expectation(ShopWork work)
    {
        public ShopWork Work { get; } = work;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
