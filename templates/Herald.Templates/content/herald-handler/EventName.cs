using Herald.Events;

namespace MyApp;

/// <summary>EventName happened. Its name on the wire, "event-name", and its version stay; the CLR type may be renamed.</summary>
[Event("event-name")]
public sealed record EventName(Guid Id);
