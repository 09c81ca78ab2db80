namespace Herald.Log;

/// <summary>A torn tail that opening the log cut off (or, opened read-only, left in place): the bytes a crash left half-written after the last whole batch.</summary>
/// <param name="FileName">The segment file.</param>
/// <param name="Position">The end of its last whole batch: where the file was (or, read-only, would be) truncated.</param>
/// <param name="TruncatedBytes">How many bytes were (or would be) cut off.</param>
/// <param name="Reason">What was wrong with the bytes after <paramref name="Position"/>.</param>
/// <param name="LeftInPlace">Whether the log was opened read-only, so the bytes are still there: the next writable open cuts them.</param>
public sealed record LogRecovery(string FileName, long Position, long TruncatedBytes, string Reason, bool LeftInPlace = false)
{
    /// <inheritdoc/>
    public override string ToString() => LeftInPlace
        ? $"'{FileName}' has a torn tail at byte {Position}: {TruncatedBytes} bytes that were never acknowledged, left in place (the application cuts them when it opens the log) ({Reason})"
        : $"Truncated the torn tail of '{FileName}' at byte {Position}: {TruncatedBytes} bytes cut off ({Reason})";
}
