namespace Herald.Transports.Partitioned;

/// <summary>A partition's failed event, as a durable source keeps it so that a restart continues its redelivery schedule.</summary>
/// <param name="Offset">The failed event's offset: it and everything after it come again.</param>
/// <param name="DeliveryCount">How many deliveries the event had; its next delivery counts one more.</param>
/// <param name="NotBefore">When the partition is handed out again.</param>
/// <param name="FirstFailedAt">When the event first failed in the group.</param>
public readonly record struct PartitionRedelivery(long Offset, int DeliveryCount, DateTimeOffset NotBefore, DateTimeOffset FirstFailedAt);
