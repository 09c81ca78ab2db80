namespace Herald.Transports;

/// <summary>Shares one read among the callers that ask for it within an interval: concurrent callers wait for the same
/// read, later ones get its result until the interval has passed since it completed.</summary>
/// <typeparam name="T">What the read returns.</typeparam>
/// <remarks>
/// A failed read is not kept: the next caller reads again. <see cref="Invalidate"/> drops the kept result (and any read
/// in flight from the next callers' view) after a write of this process, so a process sees its own writes at once;
/// other processes' writes show within the interval. An interval of zero still shares reads in flight. What a transport
/// asks of its broker on every probe, scrape or listing (lag, dead letters) goes through one, so that a storm of callers
/// costs one request per interval. Thread-safe.
/// </remarks>
/// <param name="read">Reads the value; it runs uncancelled, as many callers may wait for it.</param>
/// <param name="timeProvider">The clock the interval is measured on.</param>
/// <param name="interval">How long a result is kept after it arrived.</param>
public sealed class SharedRead<T>(Func<Task<T>> read, TimeProvider timeProvider, TimeSpan interval)
{
    private readonly Lock _sync = new();
    private Task<T>? _current;
    private DateTimeOffset _readAt;
    private long _version;

    /// <summary>Returns the kept result, the read in flight, or a new read.</summary>
    /// <param name="cancellationToken">Stops this caller's wait, not the read.</param>
    public Task<T> GetAsync(CancellationToken cancellationToken)
    {
        Task<T> current;
        lock (_sync)
        {
            if (_current is not { } kept || kept.IsFaulted || kept.IsCanceled
                || (kept.IsCompletedSuccessfully && timeProvider.GetUtcNow() - _readAt >= interval))
            {
                _current = ReadAsync(_version);
            }

            current = _current;
        }

        // The read itself runs uncancelled: one caller giving up must not fail the others waiting for it.
        return current.WaitAsync(cancellationToken);
    }

    /// <summary>Drops the kept result, so the next caller reads again (after a write of this process).</summary>
    public void Invalidate()
    {
        lock (_sync)
        {
            _version++;
            _current = null;
        }
    }

    private async Task<T> ReadAsync(long version)
    {
        var result = await read().ConfigureAwait(false);
        lock (_sync)
        {
            // The interval counts from the answer, not the request: a slow read is not stale on arrival.
            if (version == _version)
            {
                _readAt = timeProvider.GetUtcNow();
            }
        }

        return result;
    }
}
