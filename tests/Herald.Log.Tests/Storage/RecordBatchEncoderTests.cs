using System.Buffers.Binary;
using Herald.Log.Storage;
using static Herald.Log.Tests.Storage.BatchBytes;

namespace Herald.Log.Tests.Storage;

public sealed class RecordBatchEncoderTests
{
    [Fact]
    public void Encode_TwoSmallRecords_WritesEveryHeaderFieldAtItsKafkaPosition()
    {
        var bytes = Encode(1000, Record(Epoch + 5, "k", "v"), Record(Epoch, null, "w", ("h", "x")));
        var span = bytes.AsSpan();

        Assert.Equal(82, bytes.Length);
        Assert.Equal(1000L, BinaryPrimitives.ReadInt64BigEndian(span[0..]));
        Assert.Equal(82 - 12, BinaryPrimitives.ReadInt32BigEndian(span[8..]));
        Assert.Equal(-1, BinaryPrimitives.ReadInt32BigEndian(span[12..]));
        Assert.Equal(2, bytes[16]);
        Assert.Equal(Crc32C.AppendSoftware(0, span[21..]), BinaryPrimitives.ReadUInt32BigEndian(span[17..]));
        Assert.Equal((short)0, BinaryPrimitives.ReadInt16BigEndian(span[21..]));
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(span[23..]));
        Assert.Equal(Epoch + 5, BinaryPrimitives.ReadInt64BigEndian(span[27..]));
        Assert.Equal(Epoch + 5, BinaryPrimitives.ReadInt64BigEndian(span[35..]));
        Assert.Equal(-1L, BinaryPrimitives.ReadInt64BigEndian(span[43..]));
        Assert.Equal((short)-1, BinaryPrimitives.ReadInt16BigEndian(span[51..]));
        Assert.Equal(-1, BinaryPrimitives.ReadInt32BigEndian(span[53..]));
        Assert.Equal(2, BinaryPrimitives.ReadInt32BigEndian(span[57..]));
        // length 8, attributes, timestamp delta 0, offset delta 0, key "k", value "v", no headers
        Assert.Equal(FromHex("10 00 00 00 02 6B 02 76 00"), bytes[61..70]);
        // length 11, attributes, timestamp delta -5, offset delta 1, null key, value "w", 1 header "h" = "x"
        Assert.Equal(FromHex("16 00 09 02 01 02 77 02 02 68 02 78"), bytes[70..]);
    }

    [Fact]
    public void Encode_SpanAndBufferWriter_WriteIdenticalBytesOfMeasuredLength()
    {
        LogRecord[] records = [Record(Epoch, "a", "b", ("ce_type", "order.created")), Record(Epoch + 1, null, null)];
        var destination = new byte[1024];

        var written = RecordBatchEncoder.Encode(destination, 7, records);

        Assert.Equal(RecordBatchEncoder.GetEncodedLength(records), written);
        Assert.Equal(Encode(7, records), destination[..written]);
    }

    [Fact]
    public void Encode_DestinationTooSmall_ThrowsNamingBothSizes()
    {
        LogRecord[] records = [Record(Epoch, "k", "v")];
        var size = RecordBatchEncoder.GetEncodedLength(records);

        var error = Assert.Throws<ArgumentException>(() => RecordBatchEncoder.Encode(new byte[size - 1], 0, records));

        Assert.Contains($"{size} bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{size - 1}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_NoRecords_Throws() =>
        Assert.Throws<ArgumentException>(() => RecordBatchEncoder.Encode(new byte[100], 0, []));

    [Fact]
    public void Encode_DefaultHeaderWithNullKey_ThrowsNamingIt()
    {
        var record = new LogRecord(Epoch, null, null, new RecordHeader[1]);

        var error = Assert.Throws<ArgumentException>(() => Encode(0, record));

        Assert.Contains("null key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_TimestampsOutOfOrder_UsesFirstAsBaseAndGreatestAsMax()
    {
        var bytes = Encode(0, Record(Epoch, "a", "1"), Record(Epoch + 50, "b", "2"), Record(Epoch - 50, "c", "3"));

        Assert.Equal(Epoch, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(RecordBatchLayout.BaseTimestampPosition)));
        Assert.Equal(Epoch + 50, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(RecordBatchLayout.MaxTimestampPosition)));
        Assert.Equal([Epoch, Epoch + 50, Epoch - 50], Decode(bytes).Select(r => r.Timestamp));
    }
}
