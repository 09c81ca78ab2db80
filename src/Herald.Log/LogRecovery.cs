namespace Herald.Log;

/// <summary>A torn tail that opening the log cut off: the bytes a crash left half-written after the last whole batch.</summary>
/// <param name="FileName">The segment file that was truncated.</param>
/// <param name="Position">The byte position the file was truncated to: the end of its last whole batch.</param>
/// <param name="TruncatedBytes">How many bytes were cut off.</param>
/// <param name="Reason">What was wrong with the bytes after <paramref name="Position"/>.</param>
public sealed record LogRecovery(string FileName, long Position, long TruncatedBytes, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"Truncated the torn tail of '{FileName}' at byte {Position}: {TruncatedBytes} bytes cut off ({Reason})";
}
