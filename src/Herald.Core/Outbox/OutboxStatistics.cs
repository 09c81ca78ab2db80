namespace Herald.Outbox;

/// <summary>Describes the outbox backlog: what a relay has yet to dispatch, and what it has set aside.</summary>
/// <param name="UndispatchedCount">The number of rows not yet marked dispatched, leased or not; quarantined rows are not counted.</param>
/// <param name="OldestUndispatchedAge">How long ago the oldest undispatched row (quarantined ones aside) was written; <see cref="TimeSpan.Zero"/> when there is none.</param>
/// <param name="QuarantinedCount">The number of rows a relay quarantined because it could not read or publish them; they wait for an operator.</param>
public sealed record OutboxStatistics(long UndispatchedCount, TimeSpan OldestUndispatchedAge, long QuarantinedCount = 0);
