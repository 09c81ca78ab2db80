namespace Herald.Log.Storage;

/// <summary>Enumerates a record's headers in place; usable directly in <see langword="foreach"/>.</summary>
public ref struct HeaderEnumerator
{
    private readonly ReadOnlySpan<byte> _headers;
    private FieldReader _reader;
    private int _index;

    /// <summary>Creates an enumerator over <paramref name="count"/> headers already validated by <see cref="RecordView.Read"/>.</summary>
    internal HeaderEnumerator(ReadOnlySpan<byte> headers, int count)
    {
        _headers = headers;
        _reader = new FieldReader(headers, 0);
        Count = count;
    }

    /// <summary>Gets the number of headers.</summary>
    public int Count { get; }

    /// <summary>Gets the header at the current position.</summary>
    public HeaderView Current { get; private set; }

    /// <summary>Returns a fresh enumerator over the same headers.</summary>
    public readonly HeaderEnumerator GetEnumerator() => new(_headers, Count);

    /// <summary>Advances to the next header.</summary>
    public bool MoveNext()
    {
        if (_index == Count)
        {
            return false;
        }

        Current = HeaderView.Read(ref _reader);
        _index++;
        return true;
    }
}
