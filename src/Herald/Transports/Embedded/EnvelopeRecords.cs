using System.Collections.Concurrent;
using System.Text;
using Herald.Events;
using Herald.Log.Storage;

namespace Herald.Transports.Embedded;

/// <summary>
/// Maps an envelope to a log record in CloudEvents binary mode, as Kafka carries CloudEvents: key = partition key,
/// one <c>ce_*</c> header per attribute plus <c>content-type</c>, value = the data.
/// </summary>
internal static class EnvelopeRecords
{
    private static readonly ConcurrentDictionary<string, string> HeaderNames = new(StringComparer.Ordinal);

    /// <summary>Builds the record in a per-thread scratch buffer; the record is valid until the thread's next call.</summary>
    /// <remarks>Callers must hand the record to an append that copies it before returning (every LogPartition append does).</remarks>
    public static LogRecord ToRecord(EventEnvelope envelope)
    {
        var scratch = Scratch.Current;
        scratch.Reset();
        scratch.Add(CloudEventHeaders.ContentType, envelope.DataContentType);
        EnvelopeAttributes.Visit(envelope, scratch, static (s, name, value) => s.Add(HeaderName(name), value));
        var key = envelope.PartitionKey is { } partitionKey ? scratch.Encode(partitionKey) : (ReadOnlyMemory<byte>?)null;
        return new LogRecord(envelope.Timestamp.ToUnixTimeMilliseconds(), key, envelope.Data, scratch.Headers);
    }

    /// <summary>Reads an envelope back from a stored record, copying its data out of the reader's buffer.</summary>
    /// <exception cref="EventFormatException">The record is not a CloudEvent Herald can read.</exception>
    public static EventEnvelope FromRecord(RecordView record)
    {
        var attributes = new List<KeyValuePair<string, string>>(16);
        string? contentType = null;
        foreach (var header in record.Headers)
        {
            var value = header.HasValue ? Encoding.UTF8.GetString(header.Value) : string.Empty;
            var name = header.Key;
            if (name.StartsWith("ce_"u8))
            {
                attributes.Add(new(Encoding.UTF8.GetString(name[3..]), value));
            }
            else if (Ascii.EqualsIgnoreCase(name, "content-type"u8))
            {
                contentType = value;
            }
        }

        return EnvelopeAttributes.Build(attributes, contentType, record.Value.ToArray());
    }

    private static string HeaderName(string attribute) =>
        HeaderNames.Count < 1024 ? HeaderNames.GetOrAdd(attribute, static a => CloudEventHeaders.Prefix + a) : CloudEventHeaders.Prefix + attribute;

    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? t_current;

        private RecordHeader[] _headers = new RecordHeader[24];
        private byte[] _bytes = new byte[1024];
        private int _headerCount;
        private int _used;

        public static Scratch Current => t_current ??= new Scratch();

        public ReadOnlyMemory<RecordHeader> Headers => _headers.AsMemory(0, _headerCount);

        public void Reset() => (_headerCount, _used) = (0, 0);

        public void Add(string name, string value)
        {
            if (_headerCount == _headers.Length)
            {
                Array.Resize(ref _headers, _headers.Length * 2);
            }

            _headers[_headerCount++] = new RecordHeader(name, Encode(value));
        }

        public ReadOnlyMemory<byte> Encode(string value)
        {
            var max = Encoding.UTF8.GetMaxByteCount(value.Length);
            if (_used + max > _bytes.Length)
            {
                // Earlier headers keep pointing at the old array, which stays alive through them.
                _bytes = new byte[Math.Max(_bytes.Length * 2, max)];
                _used = 0;
            }

            var written = Encoding.UTF8.GetBytes(value, _bytes.AsSpan(_used));
            var memory = _bytes.AsMemory(_used, written);
            _used += written;
            return memory;
        }
    }
}
