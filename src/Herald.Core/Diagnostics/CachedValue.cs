namespace Herald.Diagnostics;

/// <summary>A value an observable gauge reports, fetched asynchronously at most once per <c>maxAge</c>, one fetch at a time.</summary>
/// <remarks>
/// Gauge callbacks are synchronous. A fetch that completes synchronously (the embedded and in-memory transports' lag)
/// is reported at once; one that does not is left running, and the collection reports the last value fetched (none
/// before the first completes). A failed fetch keeps the last value: a gauge must not fail a scrape.
/// </remarks>
internal sealed class CachedValue<T>(Func<ValueTask<T>> fetch, TimeProvider timeProvider, TimeSpan maxAge)
{
    private Snapshot? _snapshot;
    private int _refreshing;

    /// <summary>Returns the value, refreshing it first when it is older than the maximum age; false when none was fetched yet.</summary>
    public bool TryGet(out T value)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if ((snapshot is null || timeProvider.GetElapsedTime(snapshot.At) >= maxAge) && Interlocked.Exchange(ref _refreshing, 1) == 0)
        {
            Refresh();
            snapshot = Volatile.Read(ref _snapshot);
        }

        value = snapshot is null ? default! : snapshot.Value;
        return snapshot is not null;
    }

    private void Refresh()
    {
        ValueTask<T> pending;
        try
        {
            pending = fetch();
        }
#pragma warning disable CA1031 // Diagnostics: a failed fetch keeps the last value rather than failing the collection.
        catch (Exception)
        {
            Volatile.Write(ref _refreshing, 0);
            return;
        }

        if (pending.IsCompleted)
        {
            try
            {
                Store(pending.Result);
            }
            catch (Exception)
            {
                // Keeps the last value.
            }
            finally
            {
                Volatile.Write(ref _refreshing, 0);
            }

            return;
        }

        _ = CompleteAsync(pending);
    }

    private async Task CompleteAsync(ValueTask<T> pending)
    {
        try
        {
            Store(await pending.ConfigureAwait(false));
        }
        catch (Exception)
        {
            // Keeps the last value.
        }
#pragma warning restore CA1031
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    private void Store(T value) => Volatile.Write(ref _snapshot, new Snapshot(value, timeProvider.GetTimestamp()));

    private sealed record Snapshot(T Value, long At);
}
