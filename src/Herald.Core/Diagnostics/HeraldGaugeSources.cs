using Herald.DeadLetters;
using Herald.Outbox;

namespace Herald.Diagnostics;

/// <summary>Where the store-backed gauges read from, resolved on first collection so that the meter builds no store early.</summary>
/// <param name="DeadLetters">Returns the dead-letter ledger, which counts the store's letters as they change.</param>
/// <param name="Outbox">Returns the outbox store; <see langword="null"/> when no outbox is registered (no outbox gauges then).</param>
internal sealed record HeraldGaugeSources(Func<DeadLetterLedger> DeadLetters, Func<IOutboxStore>? Outbox);
