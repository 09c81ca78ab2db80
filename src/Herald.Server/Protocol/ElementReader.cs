namespace Herald.Server.Protocol;

/// <summary>Reads one element of an array, or a struct, at a message version.</summary>
internal delegate T ElementReader<out T>(ref KafkaReader reader, short version);
