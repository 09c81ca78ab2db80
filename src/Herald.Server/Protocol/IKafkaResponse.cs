namespace Herald.Server.Protocol;

/// <summary>The body of a Kafka response.</summary>
internal interface IKafkaResponse : IKafkaMessage;
