using Herald.Events;

namespace Herald.Outbox;

/// <summary>Describes one outbox row claimed by a relay.</summary>
/// <param name="Id">The row id: increases with insertion order; pass it to <see cref="IOutboxStore.MarkDispatchedAsync"/>.</param>
/// <param name="Topic">The topic the relay sends the event to.</param>
/// <param name="Envelope">The stored event.</param>
/// <param name="CreatedAt">When the row was written, by the store's time provider.</param>
/// <param name="Attempts">How many times the row has been claimed, this claim included (1 on the first claim).</param>
public sealed record OutboxRecord(long Id, string Topic, EventEnvelope Envelope, DateTimeOffset CreatedAt, int Attempts);
