using Herald.Events;

namespace Herald.Testing;

/// <summary>An event a consumer group handled successfully.</summary>
/// <param name="Group">The consumer group.</param>
/// <param name="Envelope">The envelope it arrived in.</param>
/// <param name="Event">The event.</param>
public sealed record HandledEvent(string Group, EventEnvelope Envelope, object Event);
