using System.Text;
using BenchmarkDotNet.Attributes;
using Herald.Log.Storage;

namespace Herald.Benchmarks;

/// <summary>Encodes and decodes a batch of 100 records with 100-byte values, as the log's append and read paths do.</summary>
[MemoryDiagnoser]
public class RecordBatchBenchmarks
{
    private const int RecordCount = 100;
    private LogRecord[] _records = [];
    private byte[] _buffer = [];
    private byte[] _encoded = [];

    [Params(0, 3)]
    public int HeaderCount { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var value = new byte[100];
        new Random(1).NextBytes(value);
        var headers = Enumerable.Range(0, HeaderCount)
            .Select(i => new RecordHeader($"ce_header{i}", Encoding.UTF8.GetBytes($"header-value-{i}")))
            .ToArray();
        _records = Enumerable.Range(0, RecordCount)
            .Select(i => new LogRecord(1_700_000_000_000 + i, Encoding.UTF8.GetBytes($"order-{i:D4}"), value, headers))
            .ToArray();
        _buffer = new byte[RecordBatchEncoder.GetEncodedLength(_records)];
        _encoded = _buffer[..RecordBatchEncoder.Encode(_buffer, 0, _records)];
    }

    [Benchmark]
    public int Encode() => RecordBatchEncoder.Encode(_buffer, 0, _records);

    [Benchmark]
    public long DecodeAndIterate()
    {
        RecordBatch.Read(_encoded, out var batch);
        long total = 0;
        foreach (var record in batch)
        {
            total += record.Key.Length + record.Value.Length + record.Headers.Count;
        }

        return total;
    }
}
