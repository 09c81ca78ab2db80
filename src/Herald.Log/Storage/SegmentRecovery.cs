namespace Herald.Log.Storage;

/// <summary>Reports what opening a segment found and repaired, so the caller can log a truncation.</summary>
/// <param name="ValidSize">The log file's size after recovery: the end of its last whole batch.</param>
/// <param name="TruncatedBytes">The bytes of torn tail cut from the log file; 0 when it was clean.</param>
/// <param name="Problem">Why the tail was cut, or <see langword="null"/> when nothing was.</param>
internal sealed record SegmentRecovery(long ValidSize, long TruncatedBytes, string? Problem)
{
    /// <summary>Gets a value indicating whether recovery cut a torn tail.</summary>
    public bool Truncated => TruncatedBytes > 0;
}
