using Herald.Events;

namespace Herald.Transports.Partitioned;

/// <summary>One message a <see cref="PartitionCursor"/> read: its offset in the partition and the event it holds.</summary>
/// <param name="Offset">The message's position in its partition; offsets a cursor returns only increase until it seeks.</param>
/// <param name="Envelope">The event, or what could be read of it when <paramref name="Unreadable"/> is set.</param>
/// <param name="Unreadable">Why the message is not a readable CloudEvent (or is over the limits), or <see langword="null"/>.
/// An unreadable message is still returned, in its place, so the pipeline dead-letters it in order instead of skipping it.</param>
public readonly record struct SourceMessage(long Offset, EventEnvelope Envelope, Exception? Unreadable = null);
