using System.Buffers.Binary;
using Herald.Log.Storage;
using static Herald.Log.Tests.Storage.BatchBytes;

namespace Herald.Log.Tests.Storage;

public sealed class RecordBatchTests
{
    private static byte[] Sample() => Encode(
        42,
        Record(Epoch, "order-1", "{\"amount\":5}", ("ce_type", "order.created"), ("ce_id", null)),
        Record(Epoch + 3, null, "second"),
        Record(Epoch + 9, "order-3", null, ("ключ-🔑", "значение")));

    [Fact]
    public void Read_EncodedBatch_IsCompleteWithItsHeaderFields()
    {
        var bytes = Sample();

        var check = RecordBatch.Read([.. bytes, 0xAB, 0xCD], out var batch);

        Assert.Equal(RecordBatchCheck.Complete(bytes.Length), check);
        Assert.Equal(bytes.Length, batch.Size);
        Assert.Equal((42L, 44L, 2, 3), (batch.BaseOffset, batch.LastOffset, batch.LastOffsetDelta, batch.Count));
        Assert.Equal((Epoch, Epoch + 9), (batch.BaseTimestamp, batch.MaxTimestamp));
        Assert.Equal((-1L, (short)-1, -1, -1), (batch.ProducerId, batch.ProducerEpoch, batch.BaseSequence, batch.PartitionLeaderEpoch));
        Assert.Equal((short)0, batch.Attributes);
    }

    [Fact]
    public void Read_EveryTruncation_IsIncompleteAndNeverThrows()
    {
        var bytes = Sample();

        for (var length = 0; length < bytes.Length; length++)
        {
            var check = RecordBatch.Read(bytes.AsSpan(0, length), out var batch);

            Assert.Equal(RecordBatchStatus.Incomplete, check.Status);
            Assert.Equal(length < RecordBatchLayout.LogOverhead ? 0 : bytes.Length, check.Size);
            Assert.Equal(0, batch.Size);
        }
    }

    [Fact]
    public void Read_EverySingleBitFlipFromCrcToEnd_IsCorruptNamingTheCrc()
    {
        var bytes = Sample();

        for (var position = RecordBatchLayout.CrcPosition; position < bytes.Length; position++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                bytes[position] ^= (byte)(1 << bit);
                var check = RecordBatch.Read(bytes, out _);
                bytes[position] ^= (byte)(1 << bit);

                Assert.True(check.Status == RecordBatchStatus.Corrupt, $"byte {position} bit {bit}: {check}");
                Assert.Contains("CRC32C mismatch", check.Problem, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(0x82)]
    public void Read_OtherMagic_IsCorruptNamingTheMagic(byte magic)
    {
        var bytes = Sample();
        bytes[RecordBatchLayout.MagicPosition] = magic;

        var check = RecordBatch.Read(bytes, out _);

        Assert.Equal(RecordBatchStatus.Corrupt, check.Status);
        Assert.Contains($"magic byte is {(sbyte)magic}", check.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(RecordBatchLayout.MinimumBatchLength - 1)]
    [InlineData(int.MaxValue)]
    public void Read_ImpossibleBatchLength_IsCorruptNamingTheLength(int batchLength)
    {
        var bytes = Sample();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(RecordBatchLayout.BatchLengthPosition), batchLength);

        var check = RecordBatch.Read(bytes, out _);

        Assert.Equal(RecordBatchStatus.Corrupt, check.Status);
        Assert.Contains($"batch length {batchLength}", check.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x0005, "codec 5")]
    [InlineData(0x0007, "codec 7")]
    [InlineData(0x0020, "control")]
    public void Read_IntactBatchWithUnsupportedAttributes_IsUnsupportedNamingTheFeature(short attributes, string feature)
    {
        var bytes = Sample();
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(RecordBatchLayout.AttributesPosition), attributes);

        var check = RecordBatch.Read(Reseal(bytes), out _);

        Assert.Equal(RecordBatchStatus.Unsupported, check.Status);
        Assert.Contains(feature, check.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x0001)]
    [InlineData(0x0004)]
    [InlineData(0x0010)]
    public void Read_IntactCompressedOrTransactionalBatch_IsComplete(short attributes)
    {
        var bytes = Sample();
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(RecordBatchLayout.AttributesPosition), attributes);

        var check = RecordBatch.Read(Reseal(bytes), out var batch);

        Assert.Equal(RecordBatchStatus.Complete, check.Status);
        Assert.Equal(attributes & RecordBatchLayout.CompressionMask, batch.Compression);
    }

    [Fact]
    public void Read_NegativeRecordsCount_IsCorrupt()
    {
        var bytes = Sample();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(RecordBatchLayout.RecordsCountPosition), -1);

        Assert.Equal(RecordBatchStatus.Corrupt, RecordBatch.Read(Reseal(bytes), out _).Status);
    }

    [Fact]
    public void Read_ChangedBaseOffset_StaysCompleteBecauseKafkaLeavesItOutsideTheCrc()
    {
        var bytes = Sample();
        bytes[RecordBatchLayout.BaseOffsetPosition + 7] ^= 1;

        Assert.Equal(RecordBatchStatus.Complete, RecordBatch.Read(bytes, out var batch).Status);
        Assert.Equal(43L, batch.BaseOffset);
    }

    [Fact]
    public void Read_BatchEncodedBySarama_IsCompleteAndDecodes()
    {
        // sarama's "uncompressed record" vector (record_test.go): producer fields 0, max timestamp 0, CRC 0x547961FD.
        var bytes = FromHex("""
            0000000000000000 00000046 00000000 02 547961FD 0000 00000000
            000001588DCD5938 0000000000000000 0000000000000000 0000 00000000 00000001
            28 00 0A 00 08 01020304 06 050607 02 06 08090A 04 0B0C
            """);

        var record = Assert.Single(Decode(bytes));

        Assert.Equal(0x547961FDu, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(RecordBatchLayout.CrcPosition)));
        Assert.Equal((0L, 1_479_847_795_005L), (record.Offset, record.Timestamp));
        Assert.Equal([1, 2, 3, 4], record.Key);
        Assert.Equal([5, 6, 7], record.Value);
        var header = Assert.Single(record.Headers);
        Assert.Equal("\b\t\n", header.Key);
        Assert.Equal([11, 12], header.Value);
    }

    [Theory]
    [InlineData("0000005F", "E74ACEA5", "0001", "1F8B080000096E8800FF001500EAFF28000A00080102030406050607020608090A040B0C0300ADC9586715000000")]
    [InlineData("00000048", "15009F61", "0002", "155028000A00080102030406050607020608090A040B0C")]
    [InlineData("00000059", "A94A77C5", "0003", "04224D186470B91500008028000A00080102030406050607020608090A040B0C000000000C3BEF92")]
    public void Read_CompressedBatchEncodedBySarama_IsCompleteAndDecodes(string length, string crc, string attributes, string payload)
    {
        // sarama's gzip, snappy (raw) and lz4 (frame) vectors of the same record (record_test.go), from another codebase's codecs.
        var bytes = FromHex($"""
            0000000000000000 {length} 00000000 02 {crc} {attributes} 00000000
            000001588DCD5938 0000000000000000 0000000000000000 0000 00000000 00000001
            {payload}
            """);

        var record = Assert.Single(Decode(bytes));

        Assert.Equal((0L, 1_479_847_795_005L), (record.Offset, record.Timestamp));
        Assert.Equal([1, 2, 3, 4], record.Key);
        Assert.Equal([5, 6, 7], record.Value);
        var header = Assert.Single(record.Headers);
        Assert.Equal("\b\t\n", header.Key);
        Assert.Equal([11, 12], header.Value);
    }
}
