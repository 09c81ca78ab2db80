using Herald.Log;

namespace Herald.Server.Internal;

/// <summary>What the server keeps per connection: the client's name and the log readers its fetches left where they stopped.</summary>
internal sealed class ConnectionState(string remote, Sasl.SaslSession? sasl) : IDisposable
{
    private readonly Dictionary<LogPartition, LogReader> _readers = [];
    private readonly List<byte[]> _fetchBuffers = [];

    public string Remote { get; } = remote;

    public string? ClientId { get; set; }

    /// <summary>Gets the SASL exchange of a server that requires one; the connection serves nothing else until it succeeds.</summary>
    public Sasl.SaslSession? Sasl { get; } = sasl;

    /// <summary>Gets or sets whether the connection ends once the current response is written (a failed authentication).</summary>
    public bool CloseAfterResponse { get; set; }

    /// <summary>A reader of <paramref name="partition"/> at <paramref name="offset"/>: the one the last fetch used when it is there, so consecutive fetches read on.</summary>
    public LogReader Reader(LogPartition partition, long offset)
    {
        if (!_readers.TryGetValue(partition, out var reader))
        {
            reader = partition.OpenReader(offset);
            _readers[partition] = reader;
        }
        else if (reader.Position != offset)
        {
            reader.Seek(offset);
        }

        return reader;
    }

    /// <summary>Lends a buffer of at least <paramref name="size"/> bytes until <see cref="ReturnFetchBuffers"/>: a fetch's
    /// batches stay in it until its response is written, which comes before the connection's next request.</summary>
    public byte[] RentFetchBuffer(int size)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
        _fetchBuffers.Add(buffer);
        return buffer;
    }

    /// <summary>Returns the buffers the last fetch borrowed.</summary>
    public void ReturnFetchBuffers()
    {
        foreach (var buffer in _fetchBuffers)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        _fetchBuffers.Clear();
    }

    /// <summary>Gets or sets how many topic deletions the readers were last checked against.</summary>
    public int DeletionsSeen { get; set; }

    /// <summary>Forgets the readers of the partitions <paramref name="gone"/> says went away.</summary>
    public void ForgetReaders(Func<LogPartition, bool> gone)
    {
        foreach (var partition in _readers.Keys.Where(gone).ToList())
        {
            Forget(partition);
        }
    }

    /// <summary>Forgets the reader of a partition that went away (its topic was deleted).</summary>
    public void Forget(LogPartition partition)
    {
        if (_readers.Remove(partition, out var reader))
        {
            reader.Dispose();
        }
    }

    public void Dispose()
    {
        ReturnFetchBuffers();
        foreach (var reader in _readers.Values)
        {
            reader.Dispose();
        }

        _readers.Clear();
    }
}
