using Herald.Schemas;

namespace Herald.Cli.SchemaCommands;

/// <summary>The result of checking one event version (or one removed event) against the committed schemas.</summary>
/// <param name="EventName">The event name.</param>
/// <param name="Version">The code's version; for a removed event, the newest committed one.</param>
/// <param name="Status">What was concluded.</param>
/// <param name="ComparedWith">The committed version compared with, or <see langword="null"/> when nothing was compared.</param>
/// <param name="Changes">Every change found, breaking or not; empty when nothing was compared.</param>
/// <param name="Failed">Whether this result makes the check fail in its mode.</param>
/// <param name="Note">A sentence for a human explaining the status.</param>
internal sealed record EventCheck(
    string EventName,
    int Version,
    EventCheckStatus Status,
    int? ComparedWith,
    IReadOnlyList<SchemaChange> Changes,
    bool Failed,
    string Note);
