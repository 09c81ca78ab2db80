using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Herald.Events;

/// <summary>Interns short strings that repeat from record to record (event types, sources, content types), keyed by their UTF-8 bytes.</summary>
/// <remarks>
/// Direct-mapped and lossy: each slot holds the last string that hashed to it, so memory stays bounded whatever the
/// input, and a miss costs only what decoding would have cost anyway. Thread-safe without locks: entries are immutable
/// and a slot is replaced whole, so a reader sees an old entry or a new one, never a torn one.
/// </remarks>
internal sealed class Utf8StringCache
{
    private const int MaxLength = 128;
    private readonly Entry?[] _slots;

    /// <summary>Creates a cache of <paramref name="capacity"/> slots, a power of two.</summary>
    public Utf8StringCache(int capacity = 256)
    {
        if (capacity <= 0 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity must be a positive power of two.");
        }

        _slots = new Entry?[capacity];
    }

    /// <summary>Returns the string <paramref name="utf8"/> encodes, from the cache when it was seen before.</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        if (utf8.Length > MaxLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        ref var slot = ref _slots[Slot(utf8)];
        var entry = Volatile.Read(ref slot);
        if (entry is not null && utf8.SequenceEqual(entry.Utf8))
        {
            return entry.Value;
        }

        var value = Encoding.UTF8.GetString(utf8);
        Volatile.Write(ref slot, new Entry(utf8.ToArray(), value));
        return value;
    }

    // Fibonacci hashing of the length and the first and last eight bytes: a few instructions, and enough to tell apart
    // the strings cached here; a collision costs a miss, never a wrong string, since entries are compared in full.
    private int Slot(ReadOnlySpan<byte> utf8)
    {
        ulong head = 0, tail = 0;
        if (utf8.Length >= sizeof(ulong))
        {
            head = BinaryPrimitives.ReadUInt64LittleEndian(utf8);
            tail = BinaryPrimitives.ReadUInt64LittleEndian(utf8[^sizeof(ulong)..]);
        }
        else
        {
            foreach (var b in utf8)
            {
                head = (head << 8) | b;
            }
        }

        var mixed = (head ^ BitOperations.RotateLeft(tail, 29) ^ (ulong)utf8.Length) * 0x9E3779B97F4A7C15UL;
        return (int)(mixed >> 40) & (_slots.Length - 1);
    }

    private sealed record Entry(byte[] Utf8, string Value);
}
