using Herald.Events;

namespace Shop.Events;

[Event("inventory.reserved")]
internal sealed record InventoryReserved(string OrderId, IReadOnlyList<OrderLine> Lines);
