using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Herald.Log.Storage;

namespace Herald.Benchmarks;

/// <summary>
/// Looks up random offsets and timestamps in a ~20 MiB segment of 40,000 batches: a binary search of the sparse offset
/// or time index, then batch headers read (from the page cache) up to the batch sought.
/// </summary>
[MemoryDiagnoser]
public class SegmentIndexBenchmarks
{
    private const int Batches = 40_000;
    private const int RecordsPerBatch = 4;
    private const int Lookups = 1024;
    private const long Epoch = 1_700_000_000_000;
    private string _directory = "";
    private SegmentFile? _segment;
    private long[] _offsets = [];
    private long[] _timestamps = [];

    [Params(512, SegmentFile.DefaultIndexIntervalBytes)]
    public int IndexIntervalBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("herald-bench-").FullName;
        var segment = SegmentFile.Create(_directory, 0, IndexIntervalBytes);
        _segment = segment;
        var key = Encoding.UTF8.GetBytes("order-0001");
        var value = new byte[100];
        var writer = new ArrayBufferWriter<byte>();
        var records = new LogRecord[RecordsPerBatch];
        for (var i = 0; i < Batches; i++)
        {
            // One millisecond a batch, so the time index gains an entry beside every offset-index entry.
            Array.Fill(records, new LogRecord(Epoch + i, key, value));
            writer.ResetWrittenCount();
            RecordBatchEncoder.Encode(writer, segment.NextOffset, records);
            segment.Append(writer.WrittenSpan, segment.NextOffset, RecordsPerBatch);
        }

        var random = new Random(1);
        _offsets = Enumerable.Range(0, Lookups).Select(_ => random.NextInt64(0, segment.NextOffset)).ToArray();
        _timestamps = Enumerable.Range(0, Lookups).Select(_ => random.NextInt64(Epoch, segment.MaxTimestamp + 1)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _segment?.Delete();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public long FindPosition()
    {
        long total = 0;
        foreach (var offset in _offsets)
        {
            total += _segment!.FindPosition(offset);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public long FindOffsetByTimestamp()
    {
        long total = 0;
        foreach (var timestamp in _timestamps)
        {
            total += _segment!.FindOffsetByTimestamp(timestamp) ?? -1;
        }

        return total;
    }
}
