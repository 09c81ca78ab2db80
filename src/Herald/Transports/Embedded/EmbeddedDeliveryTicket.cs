namespace Herald.Transports.Embedded;

/// <summary>What a delivery carries back to settle it: its partition's state and the generation it was read in.</summary>
internal sealed record EmbeddedDeliveryTicket(EmbeddedPartitionState State, int Generation);
