namespace Shop.Reporting;

/// <summary>A damaged partition of the embedded log, as the summary reports it: <see cref="Partition"/> is
/// <c>topic-n</c> (or the topic alone when its own entry is damaged), <see cref="Position"/> the byte offset in
/// <see cref="File"/> where the damage starts (-1 when not known), and <see cref="RepairCommand"/> what brings it back.</summary>
internal sealed record DamagedPartition(string Partition, string File, long Position, string RepairCommand);
