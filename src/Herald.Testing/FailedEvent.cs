using Herald.Events;

namespace Herald.Testing;

/// <summary>An attempt of a consumer group to handle an event that failed.</summary>
/// <param name="Group">The consumer group.</param>
/// <param name="Envelope">The envelope it arrived in.</param>
/// <param name="Attempt">Which attempt failed, from 1.</param>
/// <param name="Exception">What the handler threw.</param>
public sealed record FailedEvent(string Group, EventEnvelope Envelope, int Attempt, Exception Exception);
