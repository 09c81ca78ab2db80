using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Herald.Transports;

/// <summary>Maps partition keys to partitions the way Kafka's default partitioner does (murmur2).</summary>
/// <remarks>
/// Every transport chooses partitions through here, so a key lands on the same partition number in Herald (whatever the
/// transport), in Kafka and in any client that partitions as Kafka's Java client does, for the same partition count.
/// A key is hashed as its UTF-8 bytes. Thread-safe.
/// </remarks>
public static class KeyPartitioner
{
    /// <summary>Returns the partition of <paramref name="key"/> among <paramref name="partitionCount"/> partitions.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partitionCount"/> is not positive.</exception>
    public static int Partition(string key, int partitionCount)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitionCount);
        var length = Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = null;
        var buffer = length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(key, buffer);
            return Partition(buffer[..written], partitionCount);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Returns the partition of a key's bytes among <paramref name="partitionCount"/> partitions.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partitionCount"/> is not positive.</exception>
    public static int Partition(ReadOnlySpan<byte> key, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitionCount);
        return (Murmur2(key) & 0x7fffffff) % partitionCount;
    }

    /// <summary>Computes Kafka's 32-bit murmur2 hash of <paramref name="data"/>.</summary>
    public static int Murmur2(ReadOnlySpan<byte> data)
    {
        const uint Seed = 0x9747b28c;
        const uint M = 0x5bd1e995;
        const int R = 24;
        var length = data.Length;
        var h = Seed ^ (uint)length;
        var blocks = length / 4;
        for (var i = 0; i < blocks; i++)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i * 4, 4));
            k *= M;
            k ^= k >> R;
            k *= M;
            h *= M;
            h ^= k;
        }

        var tail = data[(blocks * 4)..];
        switch (tail.Length)
        {
            case 3:
                h ^= (uint)tail[2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)tail[1] << 8;
                goto case 1;
            case 1:
                h ^= tail[0];
                h *= M;
                break;
        }

        h ^= h >> 13;
        h *= M;
        h ^= h >> 15;
        return (int)h;
    }
}
