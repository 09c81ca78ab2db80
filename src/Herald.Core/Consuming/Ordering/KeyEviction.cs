namespace Herald.Consuming.Ordering;

/// <summary>Decides which keys of a <see cref="SequenceGate"/> leave memory: idle ones, and the least recently seen beyond the cap.</summary>
/// <remarks>
/// Sweeps scan every key, so they are rationed: the idle pass runs every quarter of
/// <see cref="ReorderOptions.KeyIdleTimeout"/> (at least every second, at most every minute), and the cap pass evicts
/// down to 90% of <see cref="ReorderOptions.MaxKeysInMemory"/>, so it runs again only after the keys grew by a tenth, or
/// at the next idle pass when it could not get there (every key over the cap is busy).
/// </remarks>
internal sealed class KeyEviction(ReorderOptions options, TimeProvider timeProvider)
{
    private DateTimeOffset _nextIdleSweep = DateTimeOffset.MinValue;
    private bool _capBlocked;

    /// <summary>Returns how often expired positions are removed from the store: a tenth of the retention, at most hourly.</summary>
    public static TimeSpan RetentionSweepInterval(TimeSpan retention) => retention / 10 < TimeSpan.FromHours(1) ? retention / 10 : TimeSpan.FromHours(1);

    /// <summary>Returns the keys of <paramref name="keys"/> to evict now; <paramref name="canLeave"/> says which may.</summary>
    public List<string> Sweep(Dictionary<string, GateKey> keys, Func<string, GateKey, bool> canLeave)
    {
        var now = timeProvider.GetUtcNow();
        var evicted = new List<string>();
        var idlePass = now >= _nextIdleSweep;
        if (idlePass)
        {
            _nextIdleSweep = now + IdleSweepInterval();
            _capBlocked = false;
            if (options.KeyIdleTimeout != Timeout.InfiniteTimeSpan)
            {
                var idleSince = now - options.KeyIdleTimeout;
                evicted.AddRange(keys.Where(k => k.Value.LastSeen <= idleSince && canLeave(k.Key, k.Value)).Select(k => k.Key));
            }
        }

        var excess = keys.Count - evicted.Count - options.MaxKeysInMemory;
        if (excess > 0 && !_capBlocked)
        {
            var target = keys.Count - evicted.Count - (options.MaxKeysInMemory - (options.MaxKeysInMemory / 10));
            var already = evicted.ToHashSet(StringComparer.Ordinal);
            var oldest = keys.Where(k => !already.Contains(k.Key) && canLeave(k.Key, k.Value))
                .OrderBy(k => k.Value.LastSeen).Take(target).Select(k => k.Key).ToList();
            evicted.AddRange(oldest);
            _capBlocked = oldest.Count < excess;
        }

        return evicted;
    }

    private TimeSpan IdleSweepInterval()
    {
        if (options.KeyIdleTimeout == Timeout.InfiniteTimeSpan)
        {
            return TimeSpan.FromMinutes(1);
        }

        var quarter = options.KeyIdleTimeout / 4;
        return quarter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : quarter > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : quarter;
    }
}
