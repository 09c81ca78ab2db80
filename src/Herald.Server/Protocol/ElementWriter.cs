namespace Herald.Server.Protocol;

/// <summary>Writes one element of an array at a message version.</summary>
internal delegate void ElementWriter<in T>(KafkaWriter writer, T item, short version);
