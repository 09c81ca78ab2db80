namespace Herald.Log.Storage;

/// <summary>Reports what <see cref="RecordBatch.Read"/> found: the status, the batch's size and, when it is unusable, why.</summary>
/// <param name="Status">What the bytes hold.</param>
/// <param name="Size">The batch's total size in bytes (log overhead included) when its length field could be read and is plausible; otherwise 0.</param>
/// <param name="Problem">Why a <see cref="RecordBatchStatus.Corrupt"/> or <see cref="RecordBatchStatus.Unsupported"/> batch cannot be read; otherwise <see langword="null"/>.</param>
internal readonly record struct RecordBatchCheck(RecordBatchStatus Status, int Size, string? Problem)
{
    /// <summary>Reports a whole, valid batch of <paramref name="size"/> bytes.</summary>
    public static RecordBatchCheck Complete(int size) => new(RecordBatchStatus.Complete, size, null);

    /// <summary>Reports a batch that needs <paramref name="size"/> bytes (0 when not yet known).</summary>
    public static RecordBatchCheck Incomplete(int size) => new(RecordBatchStatus.Incomplete, size, null);

    /// <summary>Reports bytes that cannot be a valid batch.</summary>
    public static RecordBatchCheck Corrupt(int size, string problem) => new(RecordBatchStatus.Corrupt, size, problem);

    /// <summary>Reports an intact batch that uses a feature Herald.Log does not read.</summary>
    public static RecordBatchCheck Unsupported(int size, string problem) => new(RecordBatchStatus.Unsupported, size, problem);
}
