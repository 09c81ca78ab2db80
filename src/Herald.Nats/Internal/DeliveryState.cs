namespace Herald.Nats.Internal;

/// <summary>Ties a delivery to the reader that handed it out and the reader's generation at that time.</summary>
/// <remarks>A redelivery or a move of the partition starts a new generation, which voids the settlements of earlier deliveries.</remarks>
internal sealed record DeliveryState(NatsPartitionReader Reader, int Generation);
