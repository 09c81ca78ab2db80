using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using Herald.Log.Storage;
using K4os.Compression.LZ4.Streams;
using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Tests.Storage;

/// <summary>The ways a Kafka client writes a batch's records: its <c>compression.type</c>, with snappy in both framings.</summary>
public enum ProducerCodec
{
    None,
    Gzip,
    SnappyRaw,
    SnappyXerial,
    Lz4,
    Zstd,
    ZstdStreamed,
}

/// <summary>Builds record batches as a Kafka client produces them: base offset 0, no leader epoch, producer fields, compressed records.</summary>
internal static class ProducedBatchBytes
{
    public static byte[] Build(ProducerCodec codec, LogRecord[] records, long producerId = -1, short producerEpoch = -1, int baseSequence = -1, bool transactional = false)
    {
        var plain = BatchBytes.Encode(0, records);
        var compressed = Compress(codec, plain.AsSpan(RecordsPosition));
        var batch = new byte[RecordsPosition + compressed.Length];
        plain.AsSpan(0, RecordsPosition).CopyTo(batch);
        compressed.CopyTo(batch.AsSpan(RecordsPosition));
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(BatchLengthPosition), batch.Length - LogOverhead);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(AttributesPosition), (short)(CodecNumber(codec) | (transactional ? TransactionalFlag : 0)));
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(ProducerIdPosition), producerId);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(ProducerEpochPosition), producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(BaseSequencePosition), baseSequence);
        return BatchBytes.Reseal(batch);
    }

    /// <summary>Builds a batch whose payload is <paramref name="payload"/> compressed as <paramref name="codec"/>, whatever it holds.</summary>
    public static byte[] WithPayload(ProducerCodec codec, ReadOnlySpan<byte> payload, int count, long timestamp = BatchBytes.Epoch)
    {
        var compressed = Compress(codec, payload);
        var batch = new byte[RecordsPosition + compressed.Length];
        RecordBatchEncoder.WriteHeader(batch, 0, count, count - 1, timestamp, timestamp);
        compressed.CopyTo(batch.AsSpan(RecordsPosition));
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(AttributesPosition), (short)CodecNumber(codec));
        return BatchBytes.Reseal(batch);
    }

    public static int CodecNumber(ProducerCodec codec) => codec switch
    {
        ProducerCodec.None => 0,
        ProducerCodec.Gzip => 1,
        ProducerCodec.SnappyRaw or ProducerCodec.SnappyXerial => 2,
        ProducerCodec.Lz4 => 3,
        _ => 4,
    };

    public static byte[] Compress(ProducerCodec codec, ReadOnlySpan<byte> data)
    {
        switch (codec)
        {
            case ProducerCodec.None:
                return data.ToArray();
            case ProducerCodec.Gzip:
                return Through(data, output => new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true));
            case ProducerCodec.SnappyRaw:
                return Snappier.Snappy.CompressToArray(data);
            case ProducerCodec.SnappyXerial:
                return Xerial(data, blockSize: 1024);
            case ProducerCodec.Lz4:
                // Kafka's KafkaLZ4BlockOutputStream: the LZ4 frame format, 64 KiB independent blocks.
                return Through(data, output => LZ4Stream.Encode(output, new LZ4EncoderSettings { BlockSize = 64 * 1024, ChainBlocks = false }, leaveOpen: true));
            case ProducerCodec.Zstd:
                using (var compressor = new ZstdSharp.Compressor())
                {
                    return compressor.Wrap(data).ToArray();
                }

            default:
                return Through(data, output => new ZstdSharp.CompressionStream(output, leaveOpen: true));
        }
    }

    /// <summary>Snappy as xerial's SnappyOutputStream (Kafka's Java client) writes it: magic, version 1, compatible 1, then length-prefixed blocks.</summary>
    public static byte[] Xerial(ReadOnlySpan<byte> data, int blockSize)
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write<byte>([0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1]);
        for (var start = 0; start < data.Length; start += blockSize)
        {
            var block = Snappier.Snappy.CompressToArray(data.Slice(start, Math.Min(blockSize, data.Length - start)));
            BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), block.Length);
            output.Advance(4);
            output.Write(block);
        }

        return output.WrittenSpan.ToArray();
    }

    private static byte[] Through(ReadOnlySpan<byte> data, Func<Stream, Stream> open)
    {
        using var output = new MemoryStream();
        using (var compressor = open(output))
        {
            compressor.Write(data);
        }

        return output.ToArray();
    }
}
