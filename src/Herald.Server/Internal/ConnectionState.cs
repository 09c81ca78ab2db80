using Herald.Log;

namespace Herald.Server.Internal;

/// <summary>What the server keeps per connection: the client's name and the log readers its fetches left where they stopped.</summary>
internal sealed class ConnectionState(string remote, Sasl.SaslSession? sasl) : IDisposable
{
    /// <summary>The most readers a connection keeps between fetches; each holds a buffer of at least 256 KiB.</summary>
    public const int MaxReaders = 64;

    /// <summary>How many fetches a reader outlives without being used: a client that stopped fetching a partition
    /// (revoked, paused, its topic deleted) does not keep its buffer.</summary>
    public const int UnusedFetches = 8;

    private readonly Dictionary<LogPartition, (LogReader Reader, long LastFetch)> _readers = [];
    private long _fetches;
    private readonly List<byte[]> _fetchBuffers = [];

    public string Remote { get; } = remote;

    public string? ClientId { get; set; }

    /// <summary>Gets the SASL exchange of a server that requires one; the connection serves nothing else until it succeeds.</summary>
    public Sasl.SaslSession? Sasl { get; } = sasl;

    /// <summary>Gets or sets whether the connection ends once the current response is written (a failed authentication).</summary>
    public bool CloseAfterResponse { get; set; }

    /// <summary>A reader of <paramref name="partition"/> at <paramref name="offset"/>: the one the last fetch used when it is there, so consecutive fetches read on.</summary>
    /// <remarks>At most <see cref="MaxReaders"/> are kept: one more closes the least recently used.</remarks>
    public LogReader Reader(LogPartition partition, long offset)
    {
        if (!_readers.TryGetValue(partition, out var kept))
        {
            if (_readers.Count >= MaxReaders)
            {
                // A fetch of more partitions than that reads on by reopening: memory stays bounded whatever it names.
                Forget(_readers.MinBy(r => r.Value.LastFetch).Key);
            }

            kept = (partition.OpenReader(offset), _fetches);
        }
        else if (kept.Reader.Position != offset)
        {
            kept.Reader.Seek(offset);
        }

        _readers[partition] = (kept.Reader, _fetches);
        return kept.Reader;
    }

    /// <summary>Starts a fetch: returns the previous fetch's buffers (its response has been written) and closes the
    /// readers unused for <see cref="UnusedFetches"/> fetches.</summary>
    public void BeginFetch()
    {
        ReturnFetchBuffers();
        _fetches++;
        // Every fetch passes here: no list, no LINQ (a Dictionary may lose entries while it is enumerated).
        foreach (var (partition, kept) in _readers)
        {
            if (kept.LastFetch < _fetches - UnusedFetches)
            {
                _readers.Remove(partition);
                kept.Reader.Dispose();
            }
        }
    }

    /// <summary>Gets how many readers the connection keeps.</summary>
    public int ReaderCount => _readers.Count;

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
        if (_readers.Remove(partition, out var kept))
        {
            kept.Reader.Dispose();
        }
    }

    public void Dispose()
    {
        ReturnFetchBuffers();
        foreach (var (reader, _) in _readers.Values)
        {
            reader.Dispose();
        }

        _readers.Clear();
    }
}
