namespace Herald.Server.Protocol;

/// <summary>A Kafka request, response or header that writes itself at a version.</summary>
internal interface IKafkaMessage
{
    /// <summary>Writes the message at <paramref name="version"/>.</summary>
    /// <exception cref="NotSupportedException">The codec lacks that version, or the message holds a value the version
    /// cannot carry: a null where it allows none, or a non-default value of a field it lacks that is not ignorable.</exception>
    void Write(KafkaWriter writer, short version);
}
