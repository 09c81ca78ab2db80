using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Storage;

/// <summary>Reports what opening a segment found and repaired, so the caller can log a truncation.</summary>
/// <remarks>Its static members hold the tail rule that <see cref="SegmentFile"/> documents: which bad bytes are a torn tail.</remarks>
/// <param name="ValidSize">The log file's size after recovery: the end of its last whole batch.</param>
/// <param name="TruncatedBytes">The bytes of torn tail cut from the log file (or, opened read-only, ignored); 0 when it was clean.</param>
/// <param name="Problem">Why the tail was cut, or <see langword="null"/> when nothing was.</param>
internal sealed record SegmentRecovery(long ValidSize, long TruncatedBytes, string? Problem)
{
    private const int ChunkSize = 64 * 1024;

    // The CRC work a damage search may spend beyond the bytes it scans: a crafted file could otherwise make every byte a
    // candidate batch that claims the rest of the file, and the search quadratic. A search over budget refuses.
    private const long SearchBudgetSlack = 16L * 1024 * 1024;

    /// <summary>Gets a value indicating whether recovery cut a torn tail.</summary>
    public bool Truncated => TruncatedBytes > 0;

    /// <summary>Reads and checks the batch at <paramref name="position"/>: its header, then the whole batch when its length is plausible and fits in <paramref name="remaining"/>.</summary>
    /// <param name="log">The log file.</param>
    /// <param name="position">A batch boundary.</param>
    /// <param name="remaining">The bytes from <paramref name="position"/> to the end of the file.</param>
    /// <param name="buffer">A pooled buffer, grown as needed; the caller returns it with <see cref="Return"/>.</param>
    /// <param name="batch">The batch when it is complete.</param>
    internal static RecordBatchCheck ReadBatch(SafeFileHandle log, long position, long remaining, ref byte[]? buffer, out RecordBatch batch)
    {
        var length = (int)Math.Min(remaining, LogOverhead);
        buffer = Ensure(buffer, length);
        var check = RecordBatch.Read(buffer.AsSpan(0, RandomAccess.Read(log, buffer.AsSpan(0, length), position)), out batch);
        if (check.Status == RecordBatchStatus.Incomplete && check.Size > 0 && check.Size <= remaining)
        {
            buffer = Ensure(buffer, check.Size);
            check = RecordBatch.Read(buffer.AsSpan(0, RandomAccess.Read(log, buffer.AsSpan(0, check.Size), position)), out batch);
        }

        return check;
    }

    /// <summary>
    /// Decides whether the bad bytes at <paramref name="position"/> of the active segment are a torn write of its last
    /// commit group: returns <see langword="null"/> when they are (cut them), else why they are damage.
    /// </summary>
    /// <remarks>
    /// A power cut tears only what was written after the last fsync: the last commit group, in whatever pages the disk
    /// kept, so whole batches of that group may survive after the damage. Herald.Log stamps each batch it writes with
    /// the distance from the first offset written since the last fsync (<see cref="RecordBatchLayout.BaseSequencePosition"/>,
    /// see <see cref="CommitGroup"/>). A whole batch after the damage whose group started at or before the damaged
    /// offset belongs to the torn group; one whose group started after it was written after an fsync that covered the
    /// damaged bytes, so they were acknowledged: that, a whole batch without the stamp, and a search over its budget are
    /// damage. The search is linear: it reads each byte once and checks a CRC only where a plausible header stands.
    /// </remarks>
    /// <param name="log">The log file.</param>
    /// <param name="position">Where the bad bytes start: a batch boundary.</param>
    /// <param name="fileLength">The log file's length.</param>
    /// <param name="expected">The offset the batch at <paramref name="position"/> should have started at.</param>
    internal static string? FindDamageAfter(SafeFileHandle log, long position, long fileLength, long expected)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        byte[]? buffer = null;
        var budget = (2 * (fileLength - position)) + SearchBudgetSlack;
        long? groupStart = null;
        try
        {
            var start = position + RecordsPosition;
            while (start + RecordsPosition <= fileLength)
            {
                var read = RandomAccess.Read(log, chunk.AsSpan(0, (int)Math.Min(ChunkSize, fileLength - start)), start);
                var candidates = read - RecordsPosition + 1;
                if (candidates <= 0)
                {
                    break;
                }

                var next = start + candidates;
                for (var i = 0; i < candidates; i++)
                {
                    var at = start + i;
                    if (!IsPlausibleHeader(chunk.AsSpan(i, RecordsPosition), expected, at - position, fileLength - at))
                    {
                        continue;
                    }

                    var size = LogOverhead + BinaryPrimitives.ReadInt32BigEndian(chunk.AsSpan(i + BatchLengthPosition));
                    if ((budget -= size) < 0)
                    {
                        return $"the bytes from there to the end of the file hold too many batch-like headers to tell a torn write from damage within the search budget.";
                    }

                    var check = ReadBatch(log, at, fileLength - at, ref buffer, out var batch);
                    if (check.Status is not (RecordBatchStatus.Complete or RecordBatchStatus.Unsupported))
                    {
                        continue;
                    }

                    var group = check.Status == RecordBatchStatus.Complete ? CommitGroup.StartOf(batch) : null;
                    var damage = group is null ? $"a whole batch without a commit-group stamp starts at byte {at}"
                        : group > expected ? $"a whole batch of a later commit group (from offset {group}) starts at byte {at}, so the damaged bytes had been fsynced"
                        : groupStart is { } seen && seen != group ? $"whole batches of two commit groups ({seen} and {group}) follow"
                        : null;
                    if (damage is not null)
                    {
                        return damage + ": this is no torn write.";
                    }

                    // A whole batch of the torn group: nothing inside it can be another batch, so the search resumes after it.
                    groupStart = group;
                    next = at + check.Size;
                    break;
                }

                start = next;
            }

            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            Return(buffer);
        }
    }

    /// <summary>Returns a buffer that <see cref="ReadBatch"/> rented to the pool.</summary>
    internal static void Return(byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // A batch after damage that starts `distance` bytes after it can hold offsets from `expected` on: each batch takes at
    // least RecordsPosition bytes and each record at least one, so its base offset is at most `distance` beyond.
    private static bool IsPlausibleHeader(ReadOnlySpan<byte> header, long expected, long distance, long remaining)
    {
        if (header[MagicPosition] != CurrentMagic)
        {
            return false;
        }

        var baseOffset = BinaryPrimitives.ReadInt64BigEndian(header);
        var length = BinaryPrimitives.ReadInt32BigEndian(header[BatchLengthPosition..]);
        var lastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(header[LastOffsetDeltaPosition..]);
        return baseOffset > expected && baseOffset - expected <= distance
            && length >= MinimumBatchLength && LogOverhead + (long)length <= remaining
            && lastOffsetDelta >= 0;
    }

    private static byte[] Ensure(byte[]? buffer, int length)
    {
        if (buffer is not null && buffer.Length >= length)
        {
            return buffer;
        }

        Return(buffer);
        return ArrayPool<byte>.Shared.Rent(Math.Max(length, 4096));
    }
}
