using System.Buffers;
using Herald.Server.Protocol;

namespace Herald.Server.Tests.Protocol;

public sealed class KafkaWriterTests
{
    // Kafka's ByteUtils: zig-zag (0, -1, 1, -2, ...) then unsigned LEB128, 7 bits a byte, low first.
    public static TheoryData<int, byte[]> Varints => new()
    {
        { 0, [0x00] },
        { -1, [0x01] },
        { 1, [0x02] },
        { 63, [0x7E] },
        { -64, [0x7F] },
        { 64, [0x80, 0x01] },
        { -65, [0x81, 0x01] },
        { int.MaxValue, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F] },
        { int.MinValue, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F] },
    };

    public static TheoryData<long, byte[]> Varlongs => new()
    {
        { 0L, [0x00] },
        { -1L, [0x01] },
        { 1L << 32, [0x80, 0x80, 0x80, 0x80, 0x20] },
        { long.MaxValue, [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01] },
        { long.MinValue, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01] },
    };

    public static TheoryData<uint, byte[]> UnsignedVarints => new()
    {
        { 0u, [0x00] },
        { 127u, [0x7F] },
        { 128u, [0x80, 0x01] },
        { 300u, [0xAC, 0x02] },
        { 16_383u, [0xFF, 0x7F] },
        { 16_384u, [0x80, 0x80, 0x01] },
        { uint.MaxValue, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F] },
    };

    [Theory]
    [MemberData(nameof(Varints))]
    public void WriteVarint_EdgeValue_WritesKafkaBytesThatReadBack(int value, byte[] expected)
    {
        using var writer = new KafkaWriter();
        writer.WriteVarint(value);

        Assert.Equal(expected, writer.WrittenSpan.ToArray());
        var reader = new KafkaReader(expected);
        Assert.Equal(value, reader.ReadVarint("v"));
        Assert.Equal(0, reader.Remaining);
    }

    [Theory]
    [MemberData(nameof(Varlongs))]
    public void WriteVarlong_EdgeValue_WritesKafkaBytesThatReadBack(long value, byte[] expected)
    {
        using var writer = new KafkaWriter();
        writer.WriteVarlong(value);

        Assert.Equal(expected, writer.WrittenSpan.ToArray());
        var reader = new KafkaReader(expected);
        Assert.Equal(value, reader.ReadVarlong("v"));
        Assert.Equal(0, reader.Remaining);
    }

    [Theory]
    [MemberData(nameof(UnsignedVarints))]
    public void WriteUnsignedVarint_EdgeValue_WritesKafkaBytesThatReadBack(uint value, byte[] expected)
    {
        using var writer = new KafkaWriter();
        writer.WriteUnsignedVarint(value);

        Assert.Equal(expected, writer.WrittenSpan.ToArray());
        var reader = new KafkaReader(expected);
        Assert.Equal(value, reader.ReadUnsignedVarint("v"));
    }

    [Fact]
    public void WriteFixedWidth_Values_WritesBigEndian()
    {
        using var writer = new KafkaWriter();
        writer.WriteInt8(-2);
        writer.WriteInt16(0x0102);
        writer.WriteInt32(-2);
        writer.WriteInt64(0x0102030405060708);
        writer.WriteUInt16(0xFFFE);
        writer.WriteUInt32(0x80000001);
        writer.WriteFloat64(1.5);
        writer.WriteBoolean(true);
        writer.WriteBoolean(false);

        byte[] expected =
        [
            0xFE, 0x01, 0x02, 0xFF, 0xFF, 0xFF, 0xFE, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xFF, 0xFE,
            0x80, 0x00, 0x00, 0x01, 0x3F, 0xF8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
        ];
        Assert.Equal(expected, writer.WrittenSpan.ToArray());
        var reader = new KafkaReader(expected);
        Assert.Equal(-2, reader.ReadInt8("a"));
        Assert.Equal(0x0102, reader.ReadInt16("b"));
        Assert.Equal(-2, reader.ReadInt32("c"));
        Assert.Equal(0x0102030405060708, reader.ReadInt64("d"));
        Assert.Equal(0xFFFE, reader.ReadUInt16("e"));
        Assert.Equal(0x80000001, reader.ReadUInt32("f"));
        Assert.Equal(1.5, reader.ReadFloat64("g"));
        Assert.True(reader.ReadBoolean("h"));
        Assert.False(reader.ReadBoolean("i"));
    }

    [Fact]
    public void WriteUuid_Guid_WritesMostSignificantByteFirst()
    {
        var uuid = Guid.Parse("00010203-0405-0607-0809-0a0b0c0d0e0f");
        using var writer = new KafkaWriter();
        writer.WriteUuid(uuid);

        Assert.Equal(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray(), writer.WrittenSpan.ToArray());
        var reader = new KafkaReader(writer.WrittenMemory.ToArray());
        Assert.Equal(uuid, reader.ReadUuid("id"));
    }

    [Fact]
    public void WriteStrings_EachEncoding_WritesItsLengthPrefix()
    {
        using var writer = new KafkaWriter();
        writer.WriteString("ab");
        writer.WriteNullableString(null);
        writer.WriteCompactString("ab");
        writer.WriteCompactNullableString(null);
        writer.WriteCompactString("");
        writer.WriteString("é");

        byte[] expected = [0x00, 0x02, 0x61, 0x62, 0xFF, 0xFF, 0x03, 0x61, 0x62, 0x00, 0x01, 0x00, 0x02, 0xC3, 0xA9];
        Assert.Equal(expected, writer.WrittenSpan.ToArray());
        var reader = new KafkaReader(expected);
        Assert.Equal("ab", reader.ReadString("a"));
        Assert.Null(reader.ReadNullableString("b"));
        Assert.Equal("ab", reader.ReadCompactString("c"));
        Assert.Null(reader.ReadCompactNullableString("d"));
        Assert.Equal("", reader.ReadCompactString("e"));
        Assert.Equal("é", reader.ReadString("f"));
    }

    [Fact]
    public void WriteBytesAndRecords_EachEncoding_WritesItsLengthPrefix()
    {
        using var writer = new KafkaWriter();
        writer.WriteBytes([7, 8]);
        writer.WriteNullableBytes(null);
        writer.WriteCompactBytes([9]);
        writer.WriteCompactNullableBytes(null);
        writer.WriteRecords(new byte[] { 1 });
        writer.WriteCompactRecords(null);

        byte[] expected = [0, 0, 0, 2, 7, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 9, 0x00, 0, 0, 0, 1, 1, 0x00];
        Assert.Equal(expected, writer.WrittenSpan.ToArray());
        var reader = new KafkaReader(expected);
        Assert.Equal([7, 8], reader.ReadBytes("a").ToArray());
        Assert.Null(reader.ReadNullableBytes("b"));
        Assert.Equal([9], reader.ReadCompactBytes("c").ToArray());
        Assert.Null(reader.ReadCompactNullableBytes("d"));
        Assert.Equal([1], reader.ReadRecords("e")!.Value.ToArray());
        Assert.Null(reader.ReadCompactRecords("f"));
    }

    [Fact]
    public void WriteArrays_NullEmptyAndItems_WriteKafkaCounts()
    {
        using var writer = new KafkaWriter();
        writer.WriteNullableArray<int>(null, compact: false, 0, static (w, x, _) => w.WriteInt32(x));
        writer.WriteNullableArray<int>(null, compact: true, 0, static (w, x, _) => w.WriteInt32(x));
        writer.WriteArray<int>([], compact: true, 0, static (w, x, _) => w.WriteInt32(x));
        writer.WriteArray([5], compact: false, 0, static (w, x, _) => w.WriteInt32(x));

        byte[] expected = [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 5];
        Assert.Equal(expected, writer.WrittenSpan.ToArray());
        var reader = new KafkaReader(expected);
        Assert.Null(reader.ReadNullableArray("a", 0, compact: false, 4, static (ref r, _) => r.ReadInt32("")));
        Assert.Null(reader.ReadNullableArray("b", 0, compact: true, 4, static (ref r, _) => r.ReadInt32("")));
        Assert.Empty(reader.ReadArray("c", 0, compact: true, 4, static (ref r, _) => r.ReadInt32("")));
        Assert.Equal([5], reader.ReadArray("d", 0, compact: false, 4, static (ref r, _) => r.ReadInt32("")));
    }

    [Fact]
    public void EndSizePrefix_AfterFrame_BackFillsTheBytesAfterThePrefix()
    {
        using var writer = new KafkaWriter();
        writer.WriteInt8(9);
        var start = writer.BeginSizePrefix();
        writer.WriteInt32(42);
        writer.WriteString("x");
        writer.EndSizePrefix(start);

        Assert.Equal([9, 0, 0, 0, 7, 0, 0, 0, 42, 0, 1, 0x78], writer.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(127, 1)]
    [InlineData(128, 2)]
    [InlineData(20_000, 3)]
    public void EndTaggedField_DataOfSize_InsertsItsVarintSize(int size, int sizeBytes)
    {
        using var writer = new KafkaWriter(16);
        writer.WriteUnsignedVarint(1);
        var start = writer.BeginTaggedField(300);
        var data = Enumerable.Range(0, size).Select(i => (byte)i).ToArray();
        data.CopyTo(writer.GetSpan(size));
        writer.Advance(size);
        writer.EndTaggedField(start);

        Assert.Equal(1 + 2 + sizeBytes + size, writer.Length);
        var reader = new KafkaReader(writer.WrittenMemory.ToArray());
        Assert.Equal(1, reader.ReadTaggedFieldCount());
        var field = reader.ReadTaggedField(out var tag);
        Assert.Equal(300, tag);
        Assert.Equal(size, field.Remaining);
        Assert.Equal(0, reader.Remaining);
        for (var i = 0; i < size; i++)
        {
            Assert.Equal(data[i], (byte)field.ReadInt8("data"));
        }
    }

    [Fact]
    public void GetSpan_BeyondCapacity_GrowsAndKeepsWhatWasWritten()
    {
        using var writer = new KafkaWriter(16);
        for (var i = 0; i < 10_000; i++)
        {
            writer.WriteInt32(i);
        }

        var reader = new KafkaReader(writer.WrittenMemory.ToArray());
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(i, reader.ReadInt32("i"));
        }
    }

    [Fact]
    public void WriteNullableString_LongerThanInt16_Throws()
    {
        using var writer = new KafkaWriter();

        var error = Assert.Throws<ArgumentException>(() => writer.WriteNullableString(new string('a', 40_000)));

        Assert.Contains("40000 UTF-8 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_ThenWrite_StartsEmpty()
    {
        var writer = new KafkaWriter();
        writer.WriteInt64(1);
        writer.Dispose();

        writer.WriteInt8(1);

        Assert.Equal([1], writer.WrittenSpan.ToArray());
        writer.Dispose();
    }

    [Fact]
    public void IBufferWriter_WrittenThrough_AppendsInPlace()
    {
        using var writer = new KafkaWriter();
        IBufferWriter<byte> buffer = writer;
        writer.WriteInt8(1);
        buffer.Write<byte>([2, 3]);

        Assert.Equal([1, 2, 3], writer.WrittenSpan.ToArray());
    }
}
