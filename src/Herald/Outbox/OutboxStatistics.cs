namespace Herald.Outbox;

/// <summary>Describes the outbox backlog: what a relay has yet to dispatch.</summary>
/// <param name="UndispatchedCount">The number of rows not yet marked dispatched, leased or not.</param>
/// <param name="OldestUndispatchedAge">How long ago the oldest undispatched row was written; <see cref="TimeSpan.Zero"/> when there is none.</param>
public sealed record OutboxStatistics(long UndispatchedCount, TimeSpan OldestUndispatchedAge);
