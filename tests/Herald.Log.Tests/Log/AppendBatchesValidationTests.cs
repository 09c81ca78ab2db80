using System.Buffers.Binary;
using Herald.Log.Storage;
using Herald.Log.Tests.Storage;
using static Herald.Log.Storage.RecordBatchLayout;
using static Herald.Log.Tests.Log.ProducedBatchSupport;

namespace Herald.Log.Tests.Log;

public sealed class AppendBatchesValidationTests : IDisposable
{
    private const long T = BatchBytes.Epoch;
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-batches-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static LogRecord[] Three => [Record(T, "a", "1"), Record(T + 1, "b", "2"), Record(T + 2, "c", "3")];

    private static byte[] Valid(ProducerCodec codec = ProducerCodec.None) => ProducedBatchBytes.Build(codec, Three);

    [Theory]
    [InlineData("empty", InvalidRecordBatchReason.Corrupt, "There are no record batches")]
    [InlineData("trailing bytes", InvalidRecordBatchReason.Corrupt, "Record batch 2 at byte {valid}: only 3 bytes remain")]
    [InlineData("cut short", InvalidRecordBatchReason.Corrupt, "Record batch 1 at byte 0: batchLength {length} runs past the end of the buffer")]
    [InlineData("length below a header", InvalidRecordBatchReason.Corrupt, "batchLength 20 is below the 49 bytes of a header")]
    [InlineData("magic 1", InvalidRecordBatchReason.Corrupt, "magic byte is 1; only RecordBatch v2 (magic 2) is accepted")]
    [InlineData("crc", InvalidRecordBatchReason.Corrupt, "Record batch 1 at byte 0: CRC32C mismatch (stored 0x")]
    [InlineData("crc of the second batch", InvalidRecordBatchReason.Corrupt, "Record batch 2 at byte {valid}: CRC32C mismatch (stored 0x")]
    [InlineData("too large", InvalidRecordBatchReason.TooLarge, "is over the topic's MaxBatchBytes (1048576)")]
    [InlineData("control batch", InvalidRecordBatchReason.InvalidRecord, "control batch (a transaction marker)")]
    [InlineData("unknown codec", InvalidRecordBatchReason.UnsupportedCompression, "compression codec 6 is not one Kafka defines")]
    [InlineData("log append time", InvalidRecordBatchReason.InvalidRecord, "LogAppendTime")]
    [InlineData("no records", InvalidRecordBatchReason.InvalidRecord, "recordCount is 0")]
    [InlineData("last offset delta", InvalidRecordBatchReason.InvalidRecord, "lastOffsetDelta is 5, but a batch of 3 records has 2")]
    [InlineData("count too high", InvalidRecordBatchReason.InvalidRecord, "recordCount is 4, but the records end after 3")]
    [InlineData("count too low", InvalidRecordBatchReason.InvalidRecord, "bytes follow the 2 records recordCount declares")]
    [InlineData("offset delta", InvalidRecordBatchReason.InvalidRecord, "record 1 has offsetDelta 2")]
    [InlineData("malformed record", InvalidRecordBatchReason.InvalidRecord, "record 0: Malformed record batch")]
    [InlineData("max timestamp", InvalidRecordBatchReason.InvalidRecord, $"maxTimestamp is 5, but the records' greatest timestamp is 1700000000002")]
    [InlineData("transactional without producer", InvalidRecordBatchReason.InvalidRecord, "transactional but has no producerId")]
    [InlineData("gzip garbage", InvalidRecordBatchReason.InvalidRecord, "gzip payload does not decompress")]
    [InlineData("lz4 garbage", InvalidRecordBatchReason.InvalidRecord, "lz4 payload does not decompress")]
    [InlineData("compressed records malformed", InvalidRecordBatchReason.InvalidRecord, "decompressed (zstd): record 0: Malformed record batch")]
    [InlineData("compressed count too high", InvalidRecordBatchReason.InvalidRecord, "decompressed (snappy): recordCount is 4, but the records end after 3")]
    public async Task AppendBatchesAsync_InvalidBatch_ThrowsNamingTheProblemAndLeavesThePartitionAsItWas(string problem, InvalidRecordBatchReason reason, string message)
    {
        using var log = EmbeddedLog.Open(_directory);
        var partition = log.GetOrCreateTopic("orders").Partitions[0];
        await partition.AppendAsync(Record(T, "herald", "before"), TestContext.Current.CancellationToken);
        var bytes = Build(problem);

        var exception = await Assert.ThrowsAsync<InvalidRecordBatchException>(async () => await partition.AppendBatchesAsync(bytes, TestContext.Current.CancellationToken));

        Assert.Equal(reason, exception.Reason);
        Assert.Contains(message.Replace("{valid}", $"{Valid().Length}", StringComparison.Ordinal).Replace("{length}", $"{Valid().Length - LogOverhead}", StringComparison.Ordinal), exception.Message, StringComparison.Ordinal);
        Assert.EndsWith("Nothing was appended.", exception.Message, StringComparison.Ordinal);
        Assert.Equal(1, partition.EndOffset);
        Assert.Equal(1, await partition.AppendBatchesAsync(Valid(ProducerCodec.Gzip), TestContext.Current.CancellationToken));
        Assert.Equal(["before", "1", "2", "3"], ReadAll(partition).Select(s => s.Value));
    }

    [Theory]
    [InlineData(ProducerCodec.Gzip)]
    [InlineData(ProducerCodec.SnappyRaw)]
    [InlineData(ProducerCodec.SnappyXerial)]
    [InlineData(ProducerCodec.Lz4)]
    [InlineData(ProducerCodec.Zstd)]
    [InlineData(ProducerCodec.ZstdStreamed)]
    public async Task AppendBatchesAsync_DecompressionBomb_IsRefusedAsTooLarge(ProducerCodec codec)
    {
        var options = new EmbeddedLogOptions();
        options.DefaultTopic.MaxUncompressedBatchBytes = 1024 * 1024;
        using var log = EmbeddedLog.Open(_directory, options);
        var partition = log.GetOrCreateTopic("orders").Partitions[0];
        // 16 MiB of zeros compresses to a few KiB: well within MaxBatchBytes, far over the decompressed limit.
        var bomb = ProducedBatchBytes.Build(codec, [new LogRecord(T, null, new byte[16 * 1024 * 1024])]);
        Assert.True(bomb.Length < 1024 * 1024, $"{bomb.Length} bytes");

        var exception = await Assert.ThrowsAsync<InvalidRecordBatchException>(async () => await partition.AppendBatchesAsync(bomb, TestContext.Current.CancellationToken));

        Assert.Equal(InvalidRecordBatchReason.TooLarge, exception.Reason);
        Assert.Contains("decompress to more than the topic's MaxUncompressedBatchBytes (1048576)", exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, partition.EndOffset);
    }

    [Fact]
    public async Task AppendBatchesAsync_SecondBatchInvalid_AppendsNeitherBatch()
    {
        using var log = EmbeddedLog.Open(_directory);
        var partition = log.GetOrCreateTopic("orders").Partitions[0];

        await Assert.ThrowsAsync<InvalidRecordBatchException>(async () => await partition.AppendBatchesAsync(Concat(Valid(), Build("control batch")), TestContext.Current.CancellationToken));

        Assert.Equal(0, partition.EndOffset);
        Assert.Empty(ReadAll(partition));
    }

    [Fact]
    public async Task AppendBatchesAsync_TransactionalBatchWithAProducer_IsStored()
    {
        using var log = EmbeddedLog.Open(_directory);
        var partition = log.GetOrCreateTopic("orders").Partitions[0];
        var batch = ProducedBatchBytes.Build(ProducerCodec.Lz4, Three, producerId: 11, producerEpoch: 0, baseSequence: 0, transactional: true);

        Assert.Equal(0, await partition.AppendBatchesAsync(batch, TestContext.Current.CancellationToken));

        Assert.Equal(["1", "2", "3"], ReadAll(partition).Select(s => s.Value));
        Assert.True(RecordBatchHeader.TryRead(StoredBatches(partition)[0], out var header));
        Assert.True(header.IsTransactional);
    }

    [Theory]
    [InlineData(ProducerCodec.None, 0, 0)]
    [InlineData(ProducerCodec.Gzip, 0, 0)]
    [InlineData(ProducerCodec.None, -1, 3)]
    public async Task AppendBatchesAsync_EpochOrSequenceWithoutAProducer_StoredAsMinusOneWithANewCrcAndKeptOnReopen(ProducerCodec codec, short epoch, int sequence)
    {
        // kafkajs writes producerEpoch 0 and baseSequence 0 without a producer id; Kafka ignores both there.
        var batch = ProducedBatchBytes.Build(codec, Three, producerEpoch: epoch, baseSequence: sequence);
        using (var log = EmbeddedLog.Open(_directory))
        {
            var partition = log.GetOrCreateTopic("orders").Partitions[0];
            await partition.AppendAsync(Record(T, "herald", "before"), TestContext.Current.CancellationToken);

            Assert.Equal(1, await partition.AppendBatchesAsync(batch, TestContext.Current.CancellationToken));

            var stored = StoredBatches(partition)[1];
            Assert.True(RecordBatchHeader.TryRead(stored, out var header));
            // A sequence left there would read as the writer's commit-group stamp on recovery.
            Assert.Equal((-1L, (short)-1, -1), (header.ProducerId, header.ProducerEpoch, header.BaseSequence));
            Assert.Equal(Crc32C.Compute(stored.AsSpan(AttributesPosition)), BinaryPrimitives.ReadUInt32BigEndian(stored.AsSpan(CrcPosition)));
            Assert.Equal(batch.AsSpan(AttributesPosition, ProducerIdPosition - AttributesPosition), stored.AsSpan(AttributesPosition, ProducerIdPosition - AttributesPosition));
            Assert.Equal(batch.AsSpan(RecordsPosition), stored.AsSpan(RecordsPosition));
        }

        using var reopened = EmbeddedLog.Open(_directory);
        Assert.Empty(reopened.Damaged);
        Assert.Equal(["before", "1", "2", "3"], ReadAll(reopened.GetOrCreateTopic("orders").Partitions[0]).Select(s => s.Value));
    }

    private static byte[] Build(string problem)
    {
        switch (problem)
        {
            case "empty":
                return [];
            case "trailing bytes":
                return Concat(Valid(), [1, 2, 3]);
            case "cut short":
                return Valid()[..^5];
            case "length below a header":
                return Patch(Valid(), b => BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(BatchLengthPosition), 20), reseal: false);
            case "magic 1":
                return Patch(Valid(), b => b[MagicPosition] = 1, reseal: false);
            case "crc":
                return Patch(Valid(), b => b[^1] ^= 0x40, reseal: false);
            case "crc of the second batch":
                return Concat(Valid(), Patch(Valid(ProducerCodec.Gzip), b => b[^3] ^= 0x40, reseal: false));
            case "too large":
                return ProducedBatchBytes.Build(ProducerCodec.None, [new LogRecord(T, null, new byte[1024 * 1024])]);
            case "control batch":
                return Patch(Valid(), b => b[AttributesPosition + 1] |= (byte)ControlFlag);
            case "unknown codec":
                return Patch(Valid(), b => b[AttributesPosition + 1] |= 6);
            case "log append time":
                return Patch(Valid(), b => b[AttributesPosition + 1] |= 0x08);
            case "no records":
                return Patch(Valid(), b => SetCount(b, 0));
            case "last offset delta":
                return Patch(Valid(), b => BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(LastOffsetDeltaPosition), 5));
            case "count too high":
                return Patch(Valid(), b => SetCount(b, 4));
            case "count too low":
                return Patch(Valid(), b => SetCount(b, 2));
            case "offset delta":
                return RecordBatchEncoder.EncodeSparse(0, 1, T, T, [(Record(T, "a", "1"), 0), (Record(T, "b", "2"), 2)]);
            case "malformed record":
                // The first record's length varint, after the header: zig-zag 0x7E claims 63 bytes, more than the record has.
                return Patch(Valid(), b => b[RecordsPosition] = 0x7E);
            case "max timestamp":
                return Patch(Valid(), b => BinaryPrimitives.WriteInt64BigEndian(b.AsSpan(MaxTimestampPosition), 5));
            case "transactional without producer":
                return Patch(Valid(), b => b[AttributesPosition + 1] |= (byte)TransactionalFlag);
            case "gzip garbage":
                return Patch(ProducedBatchBytes.WithPayload(ProducerCodec.None, [5, 6, 7, 8, 9, 10], 1), b => b[AttributesPosition + 1] = 1);
            case "lz4 garbage":
                return Patch(ProducedBatchBytes.WithPayload(ProducerCodec.None, [5, 6, 7, 8, 9, 10], 1), b => b[AttributesPosition + 1] = 3);
            case "compressed records malformed":
                return ProducedBatchBytes.WithPayload(ProducerCodec.Zstd, [0x7E, 1, 2, 3], 1);
            default:
                Assert.Equal("compressed count too high", problem);
                var records = BatchBytes.Encode(0, Three)[RecordsPosition..];
                return ProducedBatchBytes.WithPayload(ProducerCodec.SnappyRaw, records, 4, T + 2);
        }
    }

    private static void SetCount(byte[] batch, int count)
    {
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordsCountPosition), count);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(LastOffsetDeltaPosition), count - 1);
    }

    private static byte[] Patch(byte[] batch, Action<byte[]> patch, bool reseal = true)
    {
        patch(batch);
        return reseal ? BatchBytes.Reseal(batch) : batch;
    }
}
