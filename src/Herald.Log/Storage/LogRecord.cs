namespace Herald.Log.Storage;

/// <summary>Describes one record to append: timestamp, nullable key and value, and headers.</summary>
/// <remarks>
/// Every part is borrowed, not copied, until the append that takes the record returns, so a caller can build a span
/// of these over pooled buffers without allocating per record. Beware C#'s conversions: a <see langword="null"/>
/// <c>byte[]</c> converts to an empty <see cref="ReadOnlyMemory{T}"/>, so it encodes an empty key, not a null one;
/// pass <see langword="null"/> itself (or <c>default(ReadOnlyMemory&lt;byte&gt;?)</c>) for Kafka's null.
/// </remarks>
public readonly struct LogRecord
{
    /// <summary>Creates a record; a <see langword="null"/> key or value is written as Kafka's null (length -1).</summary>
    public LogRecord(long timestamp, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, ReadOnlyMemory<RecordHeader> headers = default)
    {
        Timestamp = timestamp;
        Key = key;
        Value = value;
        Headers = headers;
    }

    /// <summary>Gets the timestamp in Unix epoch milliseconds.</summary>
    public long Timestamp { get; }

    /// <summary>Gets the key, or <see langword="null"/>.</summary>
    public ReadOnlyMemory<byte>? Key { get; }

    /// <summary>Gets the value, or <see langword="null"/> (a tombstone under key compaction).</summary>
    public ReadOnlyMemory<byte>? Value { get; }

    /// <summary>Gets the headers, in order; empty when there are none.</summary>
    public ReadOnlyMemory<RecordHeader> Headers { get; }

    /// <summary>Returns a copy whose key, value and headers are arrays of its own, for a record that must outlive the caller's buffers.</summary>
    /// <remarks>For a caller that builds records one at a time in a reused buffer and appends them together.</remarks>
    public LogRecord Detach()
    {
        var headers = new RecordHeader[Headers.Length];
        var source = Headers.Span;
        for (var i = 0; i < headers.Length; i++)
        {
            headers[i] = new RecordHeader(source[i].Key, Copy(source[i].Value));
        }

        return new LogRecord(Timestamp, Copy(Key), Copy(Value), headers);
    }

    // A null byte[] would convert to an empty, non-null memory: keep null as null.
    private static ReadOnlyMemory<byte>? Copy(ReadOnlyMemory<byte>? bytes) => bytes is { } value ? value.ToArray() : null;
}
