using System.Buffers;
using Herald.Log.Storage;

namespace Herald.Log.Tests.Storage;

public sealed class VarintTests
{
    // Kafka's ByteUtils: zig-zag (0, -1, 1, -2, ...) then unsigned LEB128.
    public static TheoryData<int, byte[]> Int32Encodings => new()
    {
        { 0, [0x00] },
        { -1, [0x01] },
        { 1, [0x02] },
        { 63, [0x7E] },
        { -64, [0x7F] },
        { 64, [0x80, 0x01] },
        { -65, [0x81, 0x01] },
        { 8191, [0xFE, 0x7F] },
        { -8192, [0xFF, 0x7F] },
        { 8192, [0x80, 0x80, 0x01] },
        { int.MaxValue, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F] },
        { int.MinValue, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F] },
    };

    public static TheoryData<long, byte[]> Int64Encodings => new()
    {
        { 0L, [0x00] },
        { -1L, [0x01] },
        { 5L, [0x0A] },
        { 1L << 32, [0x80, 0x80, 0x80, 0x80, 0x20] },
        { long.MaxValue, [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01] },
        { long.MinValue, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01] },
    };

    [Theory]
    [MemberData(nameof(Int32Encodings))]
    public void WriteInt32_KnownValue_WritesKafkaBytes(int value, byte[] expected)
    {
        var buffer = new byte[Varint.MaxLength32];

        var written = Varint.WriteInt32(buffer, value);

        Assert.Equal(expected, buffer[..written]);
        Assert.Equal(expected.Length, Varint.GetLength(value));
    }

    [Theory]
    [MemberData(nameof(Int32Encodings))]
    public void ReadInt32_KnownBytes_ReadsValue(int expected, byte[] encoded)
    {
        Assert.Equal(OperationStatus.Done, Varint.ReadInt32([.. encoded, 0x55], out var value, out var consumed));
        Assert.Equal(expected, value);
        Assert.Equal(encoded.Length, consumed);
    }

    [Theory]
    [MemberData(nameof(Int64Encodings))]
    public void WriteInt64AndReadInt64_KnownValue_RoundTripsKafkaBytes(long value, byte[] expected)
    {
        var buffer = new byte[Varint.MaxLength64];

        var written = Varint.WriteInt64(buffer, value);

        Assert.Equal(expected, buffer[..written]);
        Assert.Equal(expected.Length, Varint.GetLength(value));
        Assert.Equal(OperationStatus.Done, Varint.ReadInt64(expected, out var read, out var consumed));
        Assert.Equal((value, expected.Length), (read, consumed));
    }

    [Fact]
    public void WriteAndRead_RandomValuesOfEveryWidth_RoundTrip()
    {
        var random = new Random(11);
        Span<byte> buffer = stackalloc byte[Varint.MaxLength64];
        for (var i = 0; i < 10_000; i++)
        {
            var wide = random.NextInt64() >> random.Next(64);
            wide = i % 2 == 0 ? wide : -wide;
            var written = Varint.WriteInt64(buffer, wide);
            Assert.Equal(OperationStatus.Done, Varint.ReadInt64(buffer, out var readWide, out var consumedWide));
            Assert.Equal((wide, written), (readWide, consumedWide));

            var narrow = (int)wide;
            written = Varint.WriteInt32(buffer, narrow);
            Assert.Equal(OperationStatus.Done, Varint.ReadInt32(buffer, out var readNarrow, out var consumedNarrow));
            Assert.Equal((narrow, written), (readNarrow, consumedNarrow));
        }
    }

    [Fact]
    public void Read_EveryTruncationOfLongestEncodings_NeedsMoreData()
    {
        byte[] narrow = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
        byte[] wide = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];

        for (var length = 0; length < narrow.Length; length++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, Varint.ReadInt32(narrow.AsSpan(0, length), out _, out var consumed));
            Assert.Equal(0, consumed);
        }

        for (var length = 0; length < wide.Length; length++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, Varint.ReadInt64(wide.AsSpan(0, length), out _, out _));
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x10 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x7F })]
    public void ReadInt32_OverLongOrOverflowing_IsInvalid(byte[] encoded) =>
        Assert.Equal(OperationStatus.InvalidData, Varint.ReadInt32(encoded, out _, out _));

    [Theory]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02 })]
    public void ReadInt64_OverLongOrOverflowing_IsInvalid(byte[] encoded) =>
        Assert.Equal(OperationStatus.InvalidData, Varint.ReadInt64(encoded, out _, out _));

    [Fact]
    public void Write_DestinationTooSmall_ThrowsNamingSizes()
    {
        var error = Assert.Throws<ArgumentException>(() => Varint.WriteInt32(new byte[2], 8192));

        Assert.Contains("3 bytes", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Varint.WriteInt64([], 0L));
    }
}
