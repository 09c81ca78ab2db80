using Herald.Events;

namespace Shop.Events;

[Event("inventory.reservation-failed")]
internal sealed record InventoryReservationFailed(string OrderId, string Reason);
