namespace Herald.Log.Storage;

/// <summary>Shows one record of a batch in place: its offset, timestamp, key, value and headers.</summary>
/// <remarks>Spans point into the batch's bytes and stay valid only as long as those bytes.</remarks>
public readonly ref struct RecordView
{
    private readonly ReadOnlySpan<byte> _headers;

    private RecordView(long offset, long timestamp, ReadOnlySpan<byte> key, bool hasKey, ReadOnlySpan<byte> value, bool hasValue, ReadOnlySpan<byte> headers, int headerCount)
    {
        Offset = offset;
        Timestamp = timestamp;
        Key = key;
        HasKey = hasKey;
        Value = value;
        HasValue = hasValue;
        _headers = headers;
        HeaderCount = headerCount;
    }

    /// <summary>Gets the record's offset in its partition.</summary>
    public long Offset { get; }

    /// <summary>Gets the timestamp in Unix epoch milliseconds.</summary>
    public long Timestamp { get; }

    /// <summary>Gets the key; empty when <see cref="HasKey"/> is false.</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>Gets whether the key is non-null.</summary>
    public bool HasKey { get; }

    /// <summary>Gets the value; empty when <see cref="HasValue"/> is false.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>Gets whether the value is non-null (a null value is a tombstone under key compaction).</summary>
    public bool HasValue { get; }

    /// <summary>Gets the number of headers.</summary>
    public int HeaderCount { get; }

    /// <summary>Gets the headers, in order, parsed as they are enumerated.</summary>
    public HeaderEnumerator Headers => new(_headers, HeaderCount);

    /// <summary>Reads the record at the reader's position, headers included, and leaves the reader after it.</summary>
    /// <exception cref="InvalidDataException">The record is malformed or its fields do not fill its declared length.</exception>
    internal static RecordView Read(scoped ref FieldReader reader, long baseOffset, long baseTimestamp)
    {
        var length = reader.ReadVarint32("record length");
        if (length < 0 || length > reader.Remaining)
        {
            reader.ThrowMalformed("record length", $"is {length}, but {reader.Remaining} bytes are left");
        }

        var end = reader.Position + length;
        reader.SkipByte("record attributes");
        var timestampDelta = reader.ReadVarint64("record timestamp delta");
        var offsetDelta = reader.ReadVarint32("record offset delta");
        var key = reader.ReadNullableBytes("record key", out var keyIsNull);
        var value = reader.ReadNullableBytes("record value", out var valueIsNull);
        var headerCount = reader.ReadVarint32("record headers count");
        if (headerCount < 0)
        {
            reader.ThrowMalformed("record headers count", $"is {headerCount}");
        }

        var headersStart = reader.Position;
        for (var i = 0; i < headerCount; i++)
        {
            _ = HeaderView.Read(ref reader);
        }

        if (reader.Position != end)
        {
            reader.ThrowMalformed("record length", $"declares {length} bytes, but the record's fields take {reader.Position - end + length}");
        }

        return new RecordView(baseOffset + offsetDelta, baseTimestamp + timestampDelta, key, !keyIsNull, value, !valueIsNull, reader.Since(headersStart), headerCount);
    }
}
