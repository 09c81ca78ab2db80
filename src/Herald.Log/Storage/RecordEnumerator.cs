namespace Herald.Log.Storage;

/// <summary>Enumerates the records of a <see cref="RecordBatch"/> in place, validating each as it goes.</summary>
internal ref struct RecordEnumerator
{
    private readonly long _baseOffset;
    private readonly long _baseTimestamp;
    private readonly int _count;
    private FieldReader _reader;
    private int _index;

    /// <summary>Creates an enumerator over the records of a checked batch.</summary>
    /// <param name="source">The records, from <paramref name="start"/> to the end: a batch's bytes, or a compressed batch's decompressed records.</param>
    /// <param name="start">Where the first record starts in <paramref name="source"/>.</param>
    /// <param name="baseOffset">The batch's base offset.</param>
    /// <param name="baseTimestamp">The batch's base timestamp.</param>
    /// <param name="count">The batch's record count.</param>
    public RecordEnumerator(ReadOnlySpan<byte> source, int start, long baseOffset, long baseTimestamp, int count)
    {
        _reader = new FieldReader(source, start);
        _baseOffset = baseOffset;
        _baseTimestamp = baseTimestamp;
        _count = count;
    }

    /// <summary>Gets the record at the current position.</summary>
    public RecordView Current { get; private set; }

    /// <summary>Advances to the next record.</summary>
    /// <exception cref="InvalidDataException">A record is malformed, or the records do not fill the batch exactly.</exception>
    public bool MoveNext()
    {
        if (_index == _count)
        {
            if (_reader.Remaining != 0)
            {
                _reader.ThrowMalformed("records", $"leave {_reader.Remaining} bytes after the {_count} records the batch declares");
            }

            return false;
        }

        Current = RecordView.Read(ref _reader, _baseOffset, _baseTimestamp);
        _index++;
        return true;
    }
}
