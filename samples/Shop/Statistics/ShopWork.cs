namespace Shop.Statistics;

/// <summary>The work a run waits for: its orders handled by every service, the events earlier runs left, and the injected
/// duplicates and poison events settled (skipped by an inbox, or dead-lettered) in every group they reach.</summary>
internal readonly record struct ShopWork(long Orders, long EarlierRunEvents = 0, long DuplicatesSkipped = 0, long DeadLetterEntries = 0);
