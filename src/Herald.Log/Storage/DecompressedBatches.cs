namespace Herald.Log.Storage;

/// <summary>
/// The decompressed records of the compressed batches a <see cref="LogReader"/> read last, in pooled buffers kept until
/// its next read, so that records enumerated from them stay valid as long as uncompressed ones do.
/// </summary>
/// <remarks>
/// A batch is decompressed when an enumeration first reaches it and only once per read, however often the records are
/// enumerated. Not thread-safe: it belongs to one reader.
/// </remarks>
internal sealed class DecompressedBatches : IDisposable
{
    // Keyed by base offset: a read holds each offset in one batch only.
    private readonly Dictionary<long, (byte[] Buffer, int Length)> _batches = [];

    /// <summary>Returns the decompressed records of <paramref name="batch"/>, decompressing it unless this read already did.</summary>
    /// <exception cref="InvalidDataException">The payload does not decompress, or decompresses beyond <see cref="BatchCompression.ReadLimit"/>.</exception>
    public ReadOnlySpan<byte> Get(RecordBatch batch)
    {
        if (_batches.TryGetValue(batch.BaseOffset, out var held))
        {
            return held.Buffer.AsSpan(0, held.Length);
        }

        ReadOnlySpan<byte> records;
        byte[] rented;
        try
        {
            records = batch.Decompress(BatchCompression.ReadLimit, out rented);
        }
        catch (DecompressedTooLargeException exception)
        {
            throw new InvalidDataException($"Malformed record batch at offset {batch.BaseOffset}: {exception.Message}.", exception);
        }

        _batches[batch.BaseOffset] = (rented, records.Length);
        return records;
    }

    /// <summary>Returns every buffer to the pool: records enumerated from them must no longer be used.</summary>
    public void Clear()
    {
        foreach (var (buffer, _) in _batches.Values)
        {
            BatchCompression.Return(buffer);
        }

        _batches.Clear();
    }

    /// <inheritdoc/>
    public void Dispose() => Clear();
}
