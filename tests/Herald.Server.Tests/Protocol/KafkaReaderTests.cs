using System.Runtime.InteropServices;
using Herald.Server.Protocol;

namespace Herald.Server.Tests.Protocol;

public sealed class KafkaReaderTests
{
    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "int16", [0x01], "needs 2 bytes, 1 left" },
        { "int32", [0, 0, 0], "needs 4 bytes, 3 left" },
        { "int64", [], "needs 8 bytes, 0 left" },
        { "uuid", new byte[15], "needs 16 bytes, 15 left" },
        { "varint", [0x80, 0x80], "varint ends after 2 bytes" },
        { "varint", [0x80, 0x80, 0x80, 0x80, 0x80, 0x00], "varint is longer than 5 bytes" },
        { "varint", [0xFF, 0xFF, 0xFF, 0xFF, 0x1F], "varint overflows 32 bits" },
        { "varlong", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02], "varint overflows 64 bits" },
        { "string", [0x11, 0x70, 0x61], "string length 4464 exceeds the 1 bytes left" },
        { "string", [0xFF, 0xFE], "negative string length -2" },
        { "string", [0xFF, 0xFF], "string is null, which the field does not allow" },
        { "string", [0x00, 0x02, 0xC3, 0x28], "string of 2 bytes is not valid UTF-8" },
        { "string", [0x00, 0x03, 0xED, 0xA0, 0x80], "string of 3 bytes is not valid UTF-8" },
        { "compact string", [0x00], "string is null, which the field does not allow" },
        { "compact string", [0x05, 0x61], "string length 4 exceeds the 1 bytes left" },
        { "compact string", [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "string length 4294967294 exceeds the 0 bytes left" },
        { "compact nullable string", [0x02, 0xFF], "string of 1 bytes is not valid UTF-8" },
        { "bytes", [0x7F, 0xFF, 0xFF, 0xFF, 1, 2], "bytes length 2147483647 exceeds the 2 bytes left" },
        { "bytes", [0xFF, 0xFF, 0xFF, 0xFE], "negative bytes length -2" },
        { "bytes", [0xFF, 0xFF, 0xFF, 0xFF], "bytes is null, which the field does not allow" },
        { "compact bytes", [0x03, 0x01], "bytes length 2 exceeds the 1 bytes left" },
        { "records", [0x80, 0x00, 0x00, 0x00], "negative bytes length -2147483648" },
        { "array", [0xFF, 0xFF, 0xFF, 0xFD], "negative array length -3" },
        { "array", [0x00, 0x00, 0x10, 0x00, 1, 2, 3], "array of 4096 elements needs at least 16384 bytes, 3 left" },
        { "array", [0xFF, 0xFF, 0xFF, 0xFF], "array is null, which the field does not allow" },
        { "compact array", [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "array of 4294967294 elements needs at least 17179869176 bytes, 0 left" },
        { "compact array", [0x00], "array is null, which the field does not allow" },
        { "array element", [0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x61, 0x00, 0x09, 0x62], "string length 9 exceeds the 1 bytes left" },
    };

    public static TheoryData<byte[], string> MalformedTaggedFields => new()
    {
        { [0x05, 0x00, 0x00], "5 tagged fields need at least 10 bytes, 2 left" },
        { [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00], "tag 4294967295 exceeds 2147483647" },
        { [0x01, 0x00, 0x05, 0x01], "tagged field 0 of 5 bytes exceeds the 1 bytes left" },
        { [0x01, 0x00, 0x80], "varint ends after 1 bytes" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Read_MalformedField_ThrowsKafkaProtocolExceptionNamingIt(string type, byte[] bytes, string problem)
    {
        var error = Assert.Throws<KafkaProtocolException>(() => ReadAs(type, bytes));

        Assert.Equal(type == "array element" ? "Field[1]" : "Field", error.Field);
        Assert.StartsWith(problem, error.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"{error.Field}: {problem}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(MalformedTaggedFields))]
    public void SkipTaggedFields_Malformed_ThrowsKafkaProtocolExceptionNamingTheSection(byte[] bytes, string problem)
    {
        var error = Assert.Throws<KafkaProtocolException>(() =>
        {
            var reader = new KafkaReader(bytes);
            reader.SkipTaggedFields();
        });

        Assert.Equal(KafkaReader.TaggedFields, error.Field);
        Assert.StartsWith(problem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadArray_ErrorInNestedElement_NamesThePathToIt()
    {
        byte[] bytes = [0, 0, 0, 2, /* [0] */ 0, 0, 0, 1, 0, 1, 0x61, /* [1] */ 0, 0, 0, 1, 0, 9, 0x62];

        var error = Assert.Throws<KafkaProtocolException>(() =>
        {
            var reader = new KafkaReader(bytes);
            try
            {
                reader.ReadArray("Topics", 0, compact: false, 1, static (ref r, v) =>
                    r.ReadArray("Partitions", v, compact: false, 1, static (ref r, _) => r.ReadString("Name")));
            }
            catch (KafkaProtocolException e) when (e.Within("MetadataRequest"))
            {
                throw;
            }
        });

        Assert.Equal("MetadataRequest.Topics[1].Partitions[0].Name", error.Field);
        Assert.Equal("MetadataRequest.Topics[1].Partitions[0].Name: string length 9 exceeds the 1 bytes left", error.Message);
    }

    [Fact]
    public void ReadBytes_FromArray_ReturnsASliceOfTheFrameWithoutCopying()
    {
        var frame = new byte[] { 9, 0, 0, 0, 2, 7, 8 };
        var reader = new KafkaReader(frame);
        reader.ReadInt8("skip");

        var bytes = reader.ReadBytes("Metadata");

        Assert.True(MemoryMarshal.TryGetArray(bytes, out var segment));
        Assert.Same(frame, segment.Array);
        Assert.Equal(5, segment.Offset);
        Assert.Equal(2, segment.Count);
    }

    [Fact]
    public void ReadBoolean_AnyNonZeroByte_IsTrue()
    {
        var reader = new KafkaReader(new byte[] { 0x02 });

        Assert.True(reader.ReadBoolean("flag"));
    }

    [Fact]
    public void ReadTaggedField_Known_ReadsItsDataAndSkipsTheRest()
    {
        byte[] bytes = [0x02, /* tag 0 */ 0x00, 0x02, 0x00, 0x07, /* tag 9 */ 0x09, 0x01, 0xAA, /* after */ 0x05];
        var reader = new KafkaReader(bytes);

        var count = reader.ReadTaggedFieldCount();
        var first = reader.ReadTaggedField(out var firstTag);
        reader.ReadTaggedField(out var secondTag);

        Assert.Equal((2, 0, 9), (count, firstTag, secondTag));
        Assert.Equal(7, first.ReadInt16("Known"));
        Assert.Equal(5, reader.ReadInt8("after"));
    }

    private static void ReadAs(string type, byte[] bytes)
    {
        var reader = new KafkaReader(bytes);
        const string field = "Field";
        _ = type switch
        {
            "int16" => reader.ReadInt16(field),
            "int32" => reader.ReadInt32(field),
            "int64" => reader.ReadInt64(field),
            "uuid" => reader.ReadUuid(field),
            "varint" => reader.ReadVarint(field),
            "varlong" => reader.ReadVarlong(field),
            "string" => reader.ReadString(field),
            "compact string" => reader.ReadCompactString(field),
            "compact nullable string" => reader.ReadCompactNullableString(field),
            "bytes" => reader.ReadBytes(field),
            "compact bytes" => reader.ReadCompactBytes(field),
            "records" => reader.ReadRecords(field),
            "array" => reader.ReadArray(field, 0, compact: false, 4, static (ref r, _) => r.ReadInt32("")),
            "compact array" => reader.ReadArray(field, 0, compact: true, 4, static (ref r, _) => r.ReadInt32("")),
            "array element" => (object)reader.ReadArray(field, 0, compact: false, 2, static (ref r, _) => r.ReadString("")),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
        };
    }
}
