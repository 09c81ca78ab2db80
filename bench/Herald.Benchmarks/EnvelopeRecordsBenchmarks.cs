using System.Text;
using BenchmarkDotNet.Attributes;
using Herald.Events;
using Herald.Log.Storage;
using Herald.Transports.Embedded;

namespace Herald.Benchmarks;

/// <summary>
/// Maps envelopes to log records and back, as the embedded log transport's send and receive paths do: one event per
/// operation, over 100 events with their own ids, trace contexts and times, and read from one batch of 100 records so
/// the batch's own check is shared as the listener shares it.
/// </summary>
/// <remarks>
/// <c>Typical</c> is what a publisher sets for an event with a key inside a traced request; <c>Full</c> sets every
/// attribute plus an extension. <see cref="ReadRecords"/> is the floor under <see cref="FromRecord"/>: iterating the
/// records and their headers without mapping them.
/// </remarks>
[MemoryDiagnoser]
public class EnvelopeRecordsBenchmarks
{
    private const int RecordCount = 100;
    private EventEnvelope[] _envelopes = [];
    private byte[] _batch = [];

    [Params("Typical", "Full")]
    public string Shape { get; set; } = "Typical";

    [GlobalSetup]
    public void Setup()
    {
        _envelopes = Enumerable.Range(0, RecordCount).Select(Envelope).ToArray();
        var records = _envelopes.Select(e => EnvelopeRecords.ToRecord(e).Detach()).ToArray();
        _batch = new byte[RecordBatchEncoder.GetEncodedLength(records)];
        RecordBatchEncoder.Encode(_batch, 0, records);
    }

    [Benchmark(OperationsPerInvoke = RecordCount)]
    public int ToRecord()
    {
        var total = 0;
        foreach (var envelope in _envelopes)
        {
            total += EnvelopeRecords.ToRecord(envelope).Headers.Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = RecordCount)]
    public int FromRecord()
    {
        RecordBatch.Read(_batch, out var batch);
        var total = 0;
        foreach (var record in batch)
        {
            total += EnvelopeRecords.FromRecord(record).Depth;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = RecordCount)]
    public int ReadRecords()
    {
        RecordBatch.Read(_batch, out var batch);
        var total = 0;
        foreach (var record in batch)
        {
            foreach (var header in record.Headers)
            {
                total += header.Value.Length;
            }
        }

        return total;
    }

    private EventEnvelope Envelope(int index)
    {
        var id = $"0193b6f0-8f2a-7cc1-9d2e-{index:x12}";
        var typical = new EventEnvelope
        {
            EventId = id,
            EventType = "order.created",
            EventVersion = 2,
            Timestamp = new DateTimeOffset(2026, 11, 27, 8, 16, 28, TimeSpan.Zero).AddTicks(1_234_567 + (index * 10_000)),
            Source = "orders-service",
            CorrelationId = id,
            TraceParent = $"00-0af7651916cd43dd8448eb211c{index:x6}-b7ad6b7169203331-01",
            PartitionKey = $"order-{index % 17:D4}",
            Depth = 0,
            Data = Encoding.UTF8.GetBytes($$"""{"orderId":"order-{{index % 17:D4}}","customer":"customer-{{index}}","total":125.50,"lines":3}"""),
        };
        return Shape == "Typical" ? typical : typical with
        {
            CorrelationId = "corr-0193b6f0-8f2a-7cc1",
            CausationId = $"0193b6f0-8f2a-7cc1-9d2e-{index + 1000:x12}",
            UserId = "user-42",
            Sequence = 1000 + index,
            Depth = 3,
            Extensions = new Dictionary<string, string> { ["tenant"] = "acme" },
        };
    }
}
