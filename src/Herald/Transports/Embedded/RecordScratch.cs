using Herald.Events;
using Herald.Log.Storage;

namespace Herald.Transports.Embedded;

/// <summary>Holds one thread's buffers for building a log record: its encoder and its headers.</summary>
/// <remarks>
/// A record built here is valid until the thread builds the next one. The encoder hands out the same memory for an
/// attribute from record to record, so most headers are already in place when the next record is built.
/// </remarks>
internal sealed class RecordScratch
{
    [ThreadStatic]
    private static RecordScratch? t_current;

    private RecordHeader[] _headers = new RecordHeader[24];
    private int _count;

    /// <summary>Gets the thread's encoder, with the Kafka binding's names, which the log stores.</summary>
    public CloudEventEncoder Encoder { get; } = new(CloudEventsBinding.Kafka);

    /// <summary>Gets the headers of the record being built.</summary>
    public ReadOnlyMemory<RecordHeader> Headers => _headers.AsMemory(0, _count);

    /// <summary>Returns the calling thread's scratch, emptied for a new record; the thread's previous record is void.</summary>
    public static RecordScratch Begin()
    {
        var scratch = t_current ??= new RecordScratch();
        scratch._count = 0;
        return scratch;
    }

    public void Add(string name, ReadOnlyMemory<byte> value)
    {
        if (_count == _headers.Length)
        {
            Array.Resize(ref _headers, _headers.Length * 2);
        }

        // Comparing a header already in place is cheaper than storing it again, which costs a GC write barrier per reference.
        ref var header = ref _headers[_count++];
        if (!ReferenceEquals(header.Key, name) || header.Value is not { } current || !current.Equals(value))
        {
            header = new RecordHeader(name, value);
        }
    }

    /// <summary>Passes the encoder's headers on to the scratch, as a struct so the encoder's calls are direct.</summary>
    public readonly struct Sink(RecordScratch scratch) : ICloudEventHeaderSink
    {
        public void Add(string name, ReadOnlyMemory<byte> value) => scratch.Add(name, value);
    }
}
