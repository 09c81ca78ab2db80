using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Storage;

/// <summary>Reports what opening a segment found and repaired, so the caller can log a truncation.</summary>
/// <remarks>Its static members hold the tail rule that <see cref="SegmentFile"/> documents: which bad bytes are a torn tail.</remarks>
/// <param name="ValidSize">The log file's size after recovery: the end of its last whole batch.</param>
/// <param name="TruncatedBytes">The bytes of torn tail cut from the log file; 0 when it was clean.</param>
/// <param name="Problem">Why the tail was cut, or <see langword="null"/> when nothing was.</param>
internal sealed record SegmentRecovery(long ValidSize, long TruncatedBytes, string? Problem)
{
    private const int ChunkSize = 64 * 1024;

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

    /// <summary>Returns whether the bad batch at <paramref name="position"/> of the active segment is a torn tail to cut.</summary>
    /// <param name="log">The log file.</param>
    /// <param name="check">What <see cref="ReadBatch"/> found at <paramref name="position"/>: not a complete batch.</param>
    /// <param name="position">The bad batch's position.</param>
    /// <param name="fileLength">The log file's length.</param>
    /// <param name="expected">The base offset the bad batch should have had.</param>
    internal static bool IsTornTail(SafeFileHandle log, RecordBatchCheck check, long position, long fileLength, long expected) => check.Status switch
    {
        RecordBatchStatus.Incomplete => !HasWholeBatchAfter(log, position, fileLength, expected),
        RecordBatchStatus.Corrupt when check.Size > 0 && position + check.Size == fileLength => !HasWholeBatchAfter(log, position, fileLength, expected),
        RecordBatchStatus.Corrupt => IsZeroFilled(log, position, fileLength),
        _ => false,
    };

    /// <summary>Returns a buffer that <see cref="ReadBatch"/> rented to the pool.</summary>
    internal static void Return(byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // A bad batch that claims the rest of the file is the torn last batch only if no intact batch follows it: a flipped
    // high bit in the length of an earlier batch also runs past the end. Any batch is at least RecordsPosition long and
    // holds at most one offset per byte, which bounds where the next one can start and which base offset it can have, so
    // the search reads the bytes once and checks a CRC only where a plausible header stands.
    private static bool HasWholeBatchAfter(SafeFileHandle log, long position, long fileLength, long expected)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        byte[]? buffer = null;
        try
        {
            for (var start = position + RecordsPosition; start + RecordsPosition <= fileLength;)
            {
                var read = RandomAccess.Read(log, chunk.AsSpan(0, (int)Math.Min(ChunkSize, fileLength - start)), start);
                var candidates = read - MagicPosition;
                for (var i = 0; i < candidates; i++)
                {
                    var baseOffset = BinaryPrimitives.ReadInt64BigEndian(chunk.AsSpan(i));
                    if (chunk[i + MagicPosition] == CurrentMagic && baseOffset > expected && baseOffset - expected <= start + i - position
                        && ReadBatch(log, start + i, fileLength - start - i, ref buffer, out _).Status is RecordBatchStatus.Complete or RecordBatchStatus.Unsupported)
                    {
                        return true;
                    }
                }

                if (candidates <= 0)
                {
                    break;
                }

                start += candidates;
            }

            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            Return(buffer);
        }
    }

    private static bool IsZeroFilled(SafeFileHandle log, long position, long fileLength)
    {
        Span<byte> chunk = stackalloc byte[512];
        while (position < fileLength)
        {
            var read = RandomAccess.Read(log, chunk[..(int)Math.Min(chunk.Length, fileLength - position)], position);
            if (read == 0)
            {
                break;
            }

            if (chunk[..read].ContainsAnyExcept((byte)0))
            {
                return false;
            }

            position += read;
        }

        return true;
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
