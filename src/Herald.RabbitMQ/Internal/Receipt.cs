namespace Herald.RabbitMQ.Internal;

/// <summary>Settlement state of a delivery: the consumer that received it and its delivery tag there.</summary>
internal sealed record Receipt(PartitionConsumer Consumer, ulong Tag);
