using Herald.Events;
using Herald.Transports;
using Herald.Transports.Embedded;
using Shop.Events;
using Shop.Inventory;
using Shop.Notification;
using Shop.Payment;

namespace Shop.Statistics;

/// <summary>Counts the events earlier runs left for this run's services: those stored in the data directory that a
/// consumer group has not committed yet, and the notifications the leftover payments will cause.</summary>
internal static class LeftoverWork
{
    /// <summary>Returns how many earlier-run events this run's services will handle; call it before the consumers start.</summary>
    /// <remarks>Exact when nothing else consumes or writes the data directory, even after a crash: then a group's
    /// uncommitted events are handled again, and counted again here.</remarks>
    public static long Count(ITransport transport, EventTypeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        if (transport is not EmbeddedLogTransport log)
        {
            // No other transport of the shop keeps events between runs.
            return 0;
        }

        long Backlog<TEvent>(string group) => log.GetBacklog(registry.Get(typeof(TEvent)).Topic, group);

        var payments = Backlog<OrderCreated>(PaymentHandler.Group);
        var causedNotifications = payments; // every order payment handles yields one payment outcome to notify
        return payments
            + Backlog<OrderCreated>(InventoryHandler.Group)
            + Backlog<PaymentCompleted>(NotificationHandler.Group)
            + Backlog<PaymentFailed>(NotificationHandler.Group)
            + causedNotifications;
    }
}
