using System.Text;
using Herald.Log.Storage;

namespace Herald.Log.Tests.Storage;

public sealed class Crc32CTests
{
    public static TheoryData<string, byte[], uint> Vectors => new()
    {
        { "check string", Encoding.ASCII.GetBytes("123456789"), 0xE3069283 },
        { "32 zeros (RFC 3720 B.4)", new byte[32], 0x8A9136AA },
        { "32 x 0xFF (RFC 3720 B.4)", Enumerable.Repeat((byte)0xFF, 32).ToArray(), 0x62A8AB43 },
        { "0..31 ascending (RFC 3720 B.4)", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), 0x46DD794E },
        { "31..0 descending (RFC 3720 B.4)", Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(), 0x113FDB5C },
        { "empty", [], 0x00000000 },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Compute_KnownVector_MatchesExpected(string name, byte[] data, uint expected) =>
        Assert.True(Crc32C.Compute(data) == expected, $"{name}: 0x{Crc32C.Compute(data):X8}");

    [Theory]
    [MemberData(nameof(Vectors))]
    public void AppendSoftware_KnownVector_MatchesExpected(string name, byte[] data, uint expected) =>
        Assert.True(Crc32C.AppendSoftware(0, data) == expected, $"{name}: 0x{Crc32C.AppendSoftware(0, data):X8}");

    [Fact]
    public void Append_InTwoPiecesAtEverySplit_EqualsComputeOfWhole()
    {
        var data = RandomBytes(seed: 7, length: 100);
        var whole = Crc32C.Compute(data);

        for (var split = 0; split <= data.Length; split++)
        {
            Assert.Equal(whole, Crc32C.Append(Crc32C.Append(0, data.AsSpan(0, split)), data.AsSpan(split)));
            Assert.Equal(whole, Crc32C.AppendSoftware(Crc32C.AppendSoftware(0, data.AsSpan(0, split)), data.AsSpan(split)));
        }
    }

    [Fact]
    public void Append_HardwareAndSoftwareOnRandomInputsOfEveryLength0To300_Agree()
    {
        Assert.SkipUnless(Crc32C.IsHardwareAccelerated, "This CPU has no CRC32 instruction; Append already runs the software path.");
        var buffer = RandomBytes(seed: 42, length: 300 + 8);

        for (var length = 0; length <= 300; length++)
        {
            for (var misalignment = 0; misalignment < 8; misalignment++)
            {
                var data = buffer.AsSpan(misalignment, length);
                var seed = (uint)(length * 2654435761u);
                Assert.Equal(Crc32C.AppendSoftware(seed, data), Crc32C.Append(seed, data));
            }
        }
    }

    private static byte[] RandomBytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
