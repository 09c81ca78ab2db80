using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Herald.Log.Storage;

/// <summary>Encodes and decodes Kafka's signed varints: zig-zag, then unsigned LEB128 (7 bits a byte, low first).</summary>
/// <remarks>
/// A 32-bit varint takes 1 to 5 bytes and a 64-bit one 1 to 10. Decoding rejects a sixth (eleventh) byte and a last
/// byte carrying bits beyond the type's width, which Kafka's reader would silently drop, as
/// <see cref="OperationStatus.InvalidData"/>; input that ends mid-varint is <see cref="OperationStatus.NeedMoreData"/>.
/// </remarks>
internal static class Varint
{
    /// <summary>The most bytes a 32-bit varint takes.</summary>
    public const int MaxLength32 = 5;

    /// <summary>The most bytes a 64-bit varint takes.</summary>
    public const int MaxLength64 = 10;

    /// <summary>Returns how many bytes <paramref name="value"/> takes as a varint.</summary>
    public static int GetLength(int value) => GetUnsignedLength(ZigZag(value));

    /// <summary>Returns how many bytes <paramref name="value"/> takes as a varlong.</summary>
    public static int GetLength(long value) => GetUnsignedLength(ZigZag(value));

    /// <summary>Writes <paramref name="value"/> as a varint and returns the bytes written.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="GetLength(int)"/>.</exception>
    public static int WriteInt32(Span<byte> destination, int value) => WriteUnsigned(destination, ZigZag(value));

    /// <summary>Writes <paramref name="value"/> as a varlong and returns the bytes written.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="GetLength(long)"/>.</exception>
    public static int WriteInt64(Span<byte> destination, long value) => WriteUnsigned(destination, ZigZag(value));

    /// <summary>Reads a varint from the start of <paramref name="source"/>.</summary>
    /// <returns><see cref="OperationStatus.Done"/>, <see cref="OperationStatus.NeedMoreData"/> when the input ends first, or <see cref="OperationStatus.InvalidData"/> when it is over-long.</returns>
    public static OperationStatus ReadInt32(ReadOnlySpan<byte> source, out int value, out int bytesConsumed)
    {
        var status = ReadUnsigned(source, MaxLength32, out var raw, out bytesConsumed);
        var zigZag = (uint)raw;
        value = (int)(zigZag >> 1) ^ -(int)(zigZag & 1);
        return status;
    }

    /// <summary>Reads a varlong from the start of <paramref name="source"/>.</summary>
    /// <returns><see cref="OperationStatus.Done"/>, <see cref="OperationStatus.NeedMoreData"/> when the input ends first, or <see cref="OperationStatus.InvalidData"/> when it is over-long.</returns>
    public static OperationStatus ReadInt64(ReadOnlySpan<byte> source, out long value, out int bytesConsumed)
    {
        var status = ReadUnsigned(source, MaxLength64, out var zigZag, out bytesConsumed);
        value = (long)(zigZag >> 1) ^ -(long)(zigZag & 1);
        return status;
    }

    private static uint ZigZag(int value) => (uint)((value << 1) ^ (value >> 31));

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static int GetUnsignedLength(ulong value) => (70 - BitOperations.LeadingZeroCount(value | 1)) / 7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteUnsigned(Span<byte> destination, ulong value)
    {
        if (value < 0x80 && destination.Length > 0)
        {
            destination[0] = (byte)value;
            return 1;
        }

        return WriteUnsignedSlow(destination, value);
    }

    private static int WriteUnsignedSlow(Span<byte> destination, ulong value)
    {
        var length = GetUnsignedLength(value);
        if (destination.Length < length)
        {
            throw new ArgumentException($"A varint of {length} bytes does not fit in {destination.Length} bytes.", nameof(destination));
        }

        var i = 0;
        for (; value >= 0x80; value >>= 7)
        {
            destination[i++] = (byte)(value | 0x80);
        }

        destination[i] = (byte)value;
        return length;
    }

    private static OperationStatus ReadUnsigned(ReadOnlySpan<byte> source, int maxLength, out ulong value, out int bytesConsumed)
    {
        value = 0;
        bytesConsumed = 0;
        ulong result = 0;
        // The last allowed byte may hold only the bits left of the width: 32 - 28 = 4, or 64 - 63 = 1.
        var lastByteLimit = maxLength == MaxLength32 ? 0x0F : 0x01;
        for (var i = 0; i < maxLength; i++)
        {
            if (i == source.Length)
            {
                return OperationStatus.NeedMoreData;
            }

            var current = source[i];
            if (i == maxLength - 1 && current > lastByteLimit)
            {
                return OperationStatus.InvalidData;
            }

            result |= (ulong)(current & 0x7F) << (7 * i);
            if (current < 0x80)
            {
                value = result;
                bytesConsumed = i + 1;
                return OperationStatus.Done;
            }
        }

        return OperationStatus.InvalidData;
    }
}
