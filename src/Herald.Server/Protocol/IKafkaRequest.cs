namespace Herald.Server.Protocol;

/// <summary>The body of a Kafka request.</summary>
internal interface IKafkaRequest : IKafkaMessage;
