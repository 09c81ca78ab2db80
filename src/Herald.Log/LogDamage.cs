namespace Herald.Log;

/// <summary>Damage that keeps one partition of the log (or, with <see cref="Partition"/> -1, a whole topic) from opening.</summary>
/// <remarks>
/// Damage is what a crash cannot explain: a batch of acknowledged data that fails its checks, or bytes that hide whole
/// batches after them. The partition refuses appends and reads with <see cref="LogCorruptedException"/> until an
/// operator runs <see cref="RepairCommand"/>; every other partition opens and serves.
/// </remarks>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition, or -1 when the topic itself cannot be opened.</param>
/// <param name="FileName">The damaged file.</param>
/// <param name="Position">The byte offset in <paramref name="FileName"/> where the damage starts, or -1 when not known.</param>
/// <param name="Problem">What is wrong there.</param>
public sealed record LogDamage(string Topic, int Partition, string FileName, long Position, string Problem)
{
    /// <summary>Gets the partition's name as the repair command takes it: <c>topic-partition</c>.</summary>
    public string PartitionName => Partition < 0 ? Topic : $"{Topic}-{Partition}";

    /// <summary>Gets the command an operator runs to bring the partition back, given the data directory.</summary>
    /// <param name="dataDirectory">The log's data directory.</param>
    public string RepairCommand(string dataDirectory) => $"herald log repair --data {dataDirectory} --partition {PartitionName}";

    /// <inheritdoc/>
    public override string ToString() =>
        Position >= 0
            ? $"Partition {PartitionName} is damaged: '{FileName}' at byte {Position}: {Problem}"
            : $"Partition {PartitionName} is damaged: '{FileName}': {Problem}";
}
