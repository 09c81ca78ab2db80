using System.Buffers.Binary;
using Herald.Log.Storage;

namespace Herald.Log.Tests.Storage;

public sealed class RecordBatchHeaderTests
{
    private static readonly LogRecord[] Records = [BatchBytes.Record(BatchBytes.Epoch, "k", "v"), BatchBytes.Record(BatchBytes.Epoch + 1, "k", "w")];

    [Fact]
    public void TryRead_ProducedBatch_ReadsSizeOffsetsAndProducerFields()
    {
        var batch = ProducedBatchBytes.Build(ProducerCodec.Gzip, Records, producerId: 123_456_789_012, producerEpoch: 3, baseSequence: 77, transactional: true);
        BinaryPrimitives.WriteInt64BigEndian(batch, 500);

        Assert.True(RecordBatchHeader.TryRead(batch, out var header));

        Assert.Equal((batch.Length, 500L, 1, 2), (header.Size, header.BaseOffset, header.LastOffsetDelta, header.RecordCount));
        Assert.Equal((123_456_789_012L, (short)3, 77, true), (header.ProducerId, header.ProducerEpoch, header.BaseSequence, header.IsTransactional));
    }

    [Fact]
    public void TryRead_BatchesBackToBack_WalksThemBySize()
    {
        byte[] batches = [.. ProducedBatchBytes.Build(ProducerCodec.None, Records), .. ProducedBatchBytes.Build(ProducerCodec.Zstd, Records[..1], producerId: 1, producerEpoch: 0, baseSequence: 2)];
        var counts = new List<int>();

        ReadOnlySpan<byte> rest = batches;
        while (RecordBatchHeader.TryRead(rest, out var header))
        {
            counts.Add(header.RecordCount);
            rest = rest[header.Size..];
        }

        Assert.Equal([2, 1], counts);
        Assert.True(rest.IsEmpty);
    }

    [Fact]
    public void TryRead_FewerBytesThanAHeaderOrAnImpossibleLength_ReturnsFalse()
    {
        var batch = ProducedBatchBytes.Build(ProducerCodec.None, Records);

        Assert.False(RecordBatchHeader.TryRead(batch.AsSpan(0, 60), out _));
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchLayout.BatchLengthPosition), 48);
        Assert.False(RecordBatchHeader.TryRead(batch, out var header));
        Assert.Equal(default, header);
    }
}
