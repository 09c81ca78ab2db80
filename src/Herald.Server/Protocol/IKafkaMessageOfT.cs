namespace Herald.Server.Protocol;

/// <summary>A Kafka message type that reads itself at a version.</summary>
/// <typeparam name="TSelf">The message type.</typeparam>
internal interface IKafkaMessage<TSelf> : IKafkaMessage
    where TSelf : IKafkaMessage<TSelf>
{
    /// <summary>Reads a message at <paramref name="version"/>; bytes and records fields are slices of the reader's frame.</summary>
    /// <exception cref="KafkaProtocolException">The bytes are not that message at that version, or the codec lacks the version.</exception>
    static abstract TSelf Read(ref KafkaReader reader, short version);
}
