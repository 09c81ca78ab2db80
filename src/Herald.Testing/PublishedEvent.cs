using Herald.Events;

namespace Herald.Testing;

/// <summary>An event the application under test published.</summary>
/// <param name="Envelope">The envelope it travelled in.</param>
/// <param name="Event">The event.</param>
public sealed record PublishedEvent(EventEnvelope Envelope, object Event);
