using System.Buffers.Binary;
using System.Diagnostics;

namespace Herald.Events;

/// <summary>Holds a short UTF-8 name as integers, so names compare and hash without a loop over their bytes.</summary>
/// <remarks>
/// A name of up to 16 bytes is exactly its length plus its first and last eight bytes (four for shorter names, all of
/// them below four), overlapping where the name is shorter than both together: equal keys mean equal names.
/// </remarks>
internal readonly record struct NameKey
{
    /// <summary>The longest name a key holds exactly.</summary>
    public const int MaxLength = 2 * sizeof(ulong);

    public NameKey(ReadOnlySpan<byte> name)
    {
        Debug.Assert(name.Length <= MaxLength, "Longer names do not fit in a key.");
        Length = name.Length;
        if (name.Length >= sizeof(ulong))
        {
            Head = BinaryPrimitives.ReadUInt64LittleEndian(name);
            Tail = BinaryPrimitives.ReadUInt64LittleEndian(name[^sizeof(ulong)..]);
        }
        else if (name.Length >= sizeof(uint))
        {
            Head = BinaryPrimitives.ReadUInt32LittleEndian(name);
            Tail = BinaryPrimitives.ReadUInt32LittleEndian(name[^sizeof(uint)..]);
        }
        else
        {
            foreach (var b in name)
            {
                Head = (Head << 8) | b;
            }
        }
    }

    public ulong Head { get; }

    public ulong Tail { get; }

    public int Length { get; }

    /// <summary>Gets a hash whose high bits are well mixed (Fibonacci hashing), for tables indexed by its top bits or by a mask.</summary>
    public int Hash => (int)(((Head ^ (Tail << 29) ^ (Tail >> 35) ^ (ulong)Length) * 0x9E3779B97F4A7C15UL) >> 40);
}
