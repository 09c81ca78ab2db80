using Herald.Log.Storage;

namespace Herald.Log;

/// <summary>
/// Records a <see cref="LogReader"/> read: whole batches straight from the segment file, parsed in place while
/// enumerating. Records before the reader's start offset (the head of the first batch) are skipped.
/// </summary>
public readonly ref struct RecordSet
{
    private readonly ReadOnlySpan<byte> _batches;
    private readonly long _fromOffset;

    internal RecordSet(ReadOnlySpan<byte> batches, long fromOffset)
    {
        _batches = batches;
        _fromOffset = fromOffset;
    }

    /// <summary>Gets the bytes of the batches, as stored.</summary>
    public ReadOnlySpan<byte> Bytes => _batches;

    /// <summary>Returns an enumerator over the records.</summary>
    public Enumerator GetEnumerator() => new(_batches, _fromOffset);

    /// <summary>Enumerates the records of a <see cref="RecordSet"/>.</summary>
    public ref struct Enumerator
    {
        private readonly long _fromOffset;
        private ReadOnlySpan<byte> _rest;
        private RecordEnumerator _records;
        private bool _inBatch;

        internal Enumerator(ReadOnlySpan<byte> batches, long fromOffset)
        {
            _rest = batches;
            _fromOffset = fromOffset;
        }

        /// <summary>Gets the current record.</summary>
        public RecordView Current { get; private set; }

        /// <summary>Moves to the next record.</summary>
        /// <exception cref="InvalidDataException">A record inside a batch whose CRC matched is malformed.</exception>
        public bool MoveNext()
        {
            while (true)
            {
                if (_inBatch && _records.MoveNext())
                {
                    var record = _records.Current;
                    if (record.Offset < _fromOffset)
                    {
                        continue;
                    }

                    Current = record;
                    return true;
                }

                if (_rest.IsEmpty)
                {
                    return false;
                }

                var batch = RecordBatch.ReadChecked(_rest);
                var size = batch.Size;
                _records = new RecordEnumerator(_rest[..size], batch.BaseOffset, batch.BaseTimestamp, batch.Count);
                _rest = _rest[size..];
                _inBatch = true;
            }
        }
    }
}
