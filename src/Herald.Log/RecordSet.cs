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
    private readonly DecompressedBatches? _decompressed;

    internal RecordSet(ReadOnlySpan<byte> batches, long fromOffset, DecompressedBatches? decompressed)
    {
        _batches = batches;
        _fromOffset = fromOffset;
        _decompressed = decompressed;
    }

    /// <summary>Gets the bytes of the batches, as stored: compressed batches stay compressed.</summary>
    public ReadOnlySpan<byte> Bytes => _batches;

    /// <summary>Returns an enumerator over the records.</summary>
    /// <remarks>Records of a compressed batch are decompressed when the enumeration reaches it, into buffers the reader keeps until its next read.</remarks>
    public Enumerator GetEnumerator() => new(_batches, _fromOffset, _decompressed);

    /// <summary>Enumerates the records of a <see cref="RecordSet"/>.</summary>
    public ref struct Enumerator
    {
        private readonly long _fromOffset;
        private readonly DecompressedBatches? _decompressed;
        private ReadOnlySpan<byte> _rest;
        private RecordEnumerator _records;
        private bool _inBatch;

        internal Enumerator(ReadOnlySpan<byte> batches, long fromOffset, DecompressedBatches? decompressed)
        {
            _rest = batches;
            _fromOffset = fromOffset;
            _decompressed = decompressed;
        }

        /// <summary>Gets the current record.</summary>
        public RecordView Current { get; private set; }

        /// <summary>Moves to the next record.</summary>
        /// <exception cref="InvalidDataException">A record inside a batch whose CRC matched is malformed, or a compressed batch does not decompress.</exception>
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
                _records = batch.GetRecords(_decompressed);
                _rest = _rest[size..];
                _inBatch = true;
            }
        }
    }
}
