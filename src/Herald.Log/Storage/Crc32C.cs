using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using ArmCrc32 = System.Runtime.Intrinsics.Arm.Crc32;

namespace Herald.Log.Storage;

/// <summary>Computes CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka's RecordBatch v2.</summary>
/// <remarks>
/// Values chain like zlib's <c>crc32</c>: <c>Append(Append(0, a), b) == Compute(a + b)</c>, so a batch can be
/// checksummed in pieces. Uses the CPU's CRC32 instruction (SSE4.2 or ARMv8) when present, slicing-by-8 otherwise.
/// </remarks>
internal static class Crc32C
{
    /// <summary>Gets whether <see cref="Append"/> runs on the CPU's CRC32 instruction.</summary>
    public static bool IsHardwareAccelerated => Sse42.IsSupported || ArmCrc32.IsSupported;

    /// <summary>Returns the CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Extends <paramref name="crc"/>, the CRC-32C of the bytes before, with <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) =>
        IsHardwareAccelerated ? ~UpdateHardware(~crc, data) : ~Crc32CSoftware.Update(~crc, data);

    /// <summary>Extends <paramref name="crc"/> with the table-driven path, whatever the CPU; for tests and benchmarks.</summary>
    internal static uint AppendSoftware(uint crc, ReadOnlySpan<byte> data) => ~Crc32CSoftware.Update(~crc, data);

    private static uint UpdateHardware(uint state, ReadOnlySpan<byte> data)
    {
        ref var start = ref MemoryMarshal.GetReference(data);
        var length = (nuint)data.Length;
        nuint i = 0;
        if (Sse42.X64.IsSupported || ArmCrc32.Arm64.IsSupported)
        {
            ulong wide = state;
            for (; length - i >= 8; i += 8)
            {
                wide = Step(wide, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
            }

            state = (uint)wide;
        }
        else
        {
            for (; length - i >= 4; i += 4)
            {
                var word = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
                state = Sse42.IsSupported ? Sse42.Crc32(state, word) : ArmCrc32.ComputeCrc32C(state, word);
            }
        }

        for (; i < length; i++)
        {
            var value = Unsafe.Add(ref start, i);
            state = Sse42.IsSupported ? Sse42.Crc32(state, value) : ArmCrc32.ComputeCrc32C(state, value);
        }

        return state;
    }

    // The instruction reads its operand as little-endian memory, which is how both x64 and arm64 load it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Step(ulong state, ulong word) =>
        Sse42.X64.IsSupported ? Sse42.X64.Crc32(state, word) : ArmCrc32.Arm64.ComputeCrc32C((uint)state, word);
}
