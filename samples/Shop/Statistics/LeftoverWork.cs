using Herald.Events;
using Herald.Transports;
using Herald.Transports.InMemory;
using Shop.Events;
using Shop.Inventory;
using Shop.Notification;
using Shop.Payment;
using Shop.Storage;

namespace Shop.Statistics;

/// <summary>Counts the events earlier runs left for this run's services: those stored in the data directory (or waiting
/// in the broker's queues) that a consumer group has not committed yet, those still in the outbox, and the notifications they will cause.</summary>
internal static class LeftoverWork
{
    /// <summary>Returns how many earlier-run events this run's services will handle; call it before the host starts.</summary>
    /// <remarks>Exact after a run that stopped with nothing in flight. Can be too high after Ctrl+C or a crash: an event the
    /// relay sent but had not marked is counted both in the log and in the outbox, and one handled but not committed comes
    /// again, is skipped by its inbox, and causes no second notification. <see cref="CompletionWaiter"/> therefore also
    /// accepts that nothing is left; 0 means exactly that. Events bound for a damaged partition are not counted: this run
    /// can neither send nor read them.</remarks>
    public static async Task<long> CountAsync(ITransport transport, EventTypeRegistry registry, ShopDatabase database, DamagedPartitions damaged)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(transport);
        if (transport is InMemoryTransport)
        {
            // The in-memory transport keeps nothing between runs, and its database is a new temp file.
            return 0;
        }

        string Topic<TEvent>() => registry.Get(typeof(TEvent)).Topic;

        // The groups' lag: on the embedded log the events after each group's committed offset (none in a damaged partition,
        // whose end is unknown), on RabbitMQ the messages in the group's queues (none before it ever listened), on NATS the
        // events after each consumer's ack floor.
        async Task<long> Backlog<TEvent>(string group) =>
            (await transport.GetLagAsync(Topic<TEvent>(), group, CancellationToken.None))?.Sum(p => p.Lag) ?? 0;

        var outbox = await database.CountUndispatchedAsync(damaged, CancellationToken.None);
        long Unsent<TEvent>() => outbox.Unsent.GetValueOrDefault(Topic<TEvent>());

        // Every order payment handles yields one payment outcome to notify.
        var payments = await Backlog<OrderCreated>(PaymentHandler.Group) + Unsent<OrderCreated>();
        var causedNotifications = payments;
        return payments
            + await Backlog<OrderCreated>(InventoryHandler.Group) + Unsent<OrderCreated>()
            + await Backlog<PaymentCompleted>(NotificationHandler.Group) + Unsent<PaymentCompleted>()
            + await Backlog<PaymentFailed>(NotificationHandler.Group) + Unsent<PaymentFailed>()
            + causedNotifications;
    }
}
