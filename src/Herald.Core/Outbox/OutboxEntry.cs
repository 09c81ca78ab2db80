using Herald.Events;

namespace Herald.Outbox;

/// <summary>Describes one event to write to the outbox: the topic it goes to and its envelope.</summary>
/// <param name="Topic">The topic the relay sends the event to.</param>
/// <param name="Envelope">The event; its <see cref="EventEnvelope.PartitionKey"/> orders it among the outbox rows.</param>
public sealed record OutboxEntry(string Topic, EventEnvelope Envelope);
