using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Herald.Log.Storage;

/// <summary>Updates a raw (not inverted) CRC-32C state eight bytes at a time with slicing-by-8 tables.</summary>
internal static class Crc32CSoftware
{
    private const uint Polynomial = 0x82F63B78;

    // Eight 256-entry tables back to back: table k advances a byte that sits k positions before the end of the word.
    private static readonly uint[] Tables = CreateTables();

    /// <summary>Returns <paramref name="state"/> advanced over <paramref name="data"/>.</summary>
    public static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        ref var table = ref MemoryMarshal.GetArrayDataReference(Tables);
        while (data.Length >= 8)
        {
            var low = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ state;
            var high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            state = At(ref table, 7, low & 0xFF) ^ At(ref table, 6, (low >> 8) & 0xFF)
                ^ At(ref table, 5, (low >> 16) & 0xFF) ^ At(ref table, 4, low >> 24)
                ^ At(ref table, 3, high & 0xFF) ^ At(ref table, 2, (high >> 8) & 0xFF)
                ^ At(ref table, 1, (high >> 16) & 0xFF) ^ At(ref table, 0, high >> 24);
            data = data[8..];
        }

        foreach (var value in data)
        {
            state = At(ref table, 0, (state ^ value) & 0xFF) ^ (state >> 8);
        }

        return state;
    }

    // Indexes stay below 8 * 256 by construction (a slice number and a masked byte), so bounds checks are skipped.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint At(ref uint table, int slice, uint index) => Unsafe.Add(ref table, (nuint)(slice * 256) + index);

    private static uint[] CreateTables()
    {
        var tables = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            var crc = n;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ Polynomial : crc >> 1;
            }

            tables[n] = crc;
        }

        for (var slice = 1; slice < 8; slice++)
        {
            for (var n = 0; n < 256; n++)
            {
                var previous = tables[((slice - 1) * 256) + n];
                tables[(slice * 256) + n] = (previous >> 8) ^ tables[previous & 0xFF];
            }
        }

        return tables;
    }
}
