using System.Buffers.Binary;
using Herald.Log.Storage;

namespace Herald.Log.Tests.Storage;

public sealed class BatchCompressionTests
{
    private static readonly byte[] Payload = [.. Enumerable.Range(0, 100_000).Select(i => (byte)(i % 251 ^ i / 1000))];

    [Theory]
    [InlineData(ProducerCodec.Gzip)]
    [InlineData(ProducerCodec.SnappyRaw)]
    [InlineData(ProducerCodec.SnappyXerial)]
    [InlineData(ProducerCodec.Lz4)]
    [InlineData(ProducerCodec.Zstd)]
    [InlineData(ProducerCodec.ZstdStreamed)]
    public void Decompress_EachCodec_ReturnsTheOriginalBytes(ProducerCodec codec)
    {
        var compressed = ProducedBatchBytes.Compress(codec, Payload);

        var output = BatchCompression.Decompress(ProducedBatchBytes.CodecNumber(codec), compressed, 1024 * 1024, out var length);

        Assert.Equal(Payload, output.AsSpan(0, length).ToArray());
        BatchCompression.Return(output);
    }

    [Theory]
    [InlineData(ProducerCodec.Gzip)]
    [InlineData(ProducerCodec.SnappyRaw)]
    [InlineData(ProducerCodec.SnappyXerial)]
    [InlineData(ProducerCodec.Lz4)]
    [InlineData(ProducerCodec.Zstd)]
    [InlineData(ProducerCodec.ZstdStreamed)]
    public void Decompress_OutputOverTheLimit_ThrowsTooLarge(ProducerCodec codec)
    {
        var compressed = ProducedBatchBytes.Compress(codec, new byte[4 * 1024 * 1024]);

        var exception = Assert.Throws<DecompressedTooLargeException>(() => BatchCompression.Decompress(ProducedBatchBytes.CodecNumber(codec), compressed, 64 * 1024, out _));

        Assert.Equal(64 * 1024, exception.MaxBytes);
    }

    [Fact]
    public void Decompress_OutputExactlyAtTheLimit_Succeeds()
    {
        var compressed = ProducedBatchBytes.Compress(ProducerCodec.Gzip, Payload);

        var output = BatchCompression.Decompress(1, compressed, Payload.Length, out var length);

        Assert.Equal(Payload.Length, length);
        BatchCompression.Return(output);
    }

    [Theory]
    [InlineData(ProducerCodec.Gzip)]
    [InlineData(ProducerCodec.SnappyRaw)]
    [InlineData(ProducerCodec.Lz4)]
    [InlineData(ProducerCodec.Zstd)]
    public void Decompress_Garbage_ThrowsInvalidDataNamingTheCodec(ProducerCodec codec)
    {
        byte[] garbage = [0x0A, 0xFF, 0xFE, 0xFD, 0xFC, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A];

        var exception = Assert.Throws<InvalidDataException>(() => BatchCompression.Decompress(ProducedBatchBytes.CodecNumber(codec), garbage, 1024 * 1024, out _));

        Assert.NotEmpty(exception.Message);
    }

    [Fact]
    public void Decompress_XerialBlockLongerThanThePayload_ThrowsInvalidData()
    {
        var framed = ProducedBatchBytes.Xerial(Payload, blockSize: 32 * 1024);
        BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(16), framed.Length);

        var exception = Assert.Throws<InvalidDataException>(() => BatchCompression.Decompress(2, framed, 1024 * 1024, out _));

        Assert.Contains("xerial snappy block claims", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decompress_XerialHeaderCutShort_ThrowsInvalidData()
    {
        var framed = ProducedBatchBytes.Xerial(Payload, blockSize: 32 * 1024);

        var exception = Assert.Throws<InvalidDataException>(() => BatchCompression.Decompress(2, framed.AsSpan(0, 12), 1024 * 1024, out _));

        Assert.Contains("xerial snappy header", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decompress_RawSnappyClaimingMoreThanTheLimit_IsRefusedBeforeDecompressing()
    {
        // A raw snappy block starts with its uncompressed length as a varint: 0x80 0x80 0x80 0x40 claims 128 MiB.
        byte[] claim = [0x80, 0x80, 0x80, 0x40, 0x00];

        Assert.Throws<DecompressedTooLargeException>(() => BatchCompression.Decompress(2, claim, 1024 * 1024, out _));
    }

    [Fact]
    public void Decompress_UnknownCodec_ThrowsInvalidData()
    {
        var exception = Assert.Throws<InvalidDataException>(() => BatchCompression.Decompress(6, Payload, 1024 * 1024, out _));

        Assert.Contains("codec 6", exception.Message, StringComparison.Ordinal);
    }
}
