namespace Herald.Transports.Partitioned;

/// <summary>What a delivery carries back to settle it: its partition's slot and the generation it was read in.</summary>
internal sealed record DeliveryTicket(PartitionSlot Slot, int Generation);
