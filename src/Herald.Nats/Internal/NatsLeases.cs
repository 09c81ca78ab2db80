using System.Globalization;
using Herald.Transports.Partitioned;
using NATS.Client.KeyValueStore;

namespace Herald.Nats.Internal;

/// <summary>Shares one consumer group's partitions among the processes that run members of it, through leases in a key-value bucket.</summary>
/// <remarks>
/// <para>JetStream 2.9 has no consumer groups for pull consumers (no single active consumer), so a process reads a
/// partition only while it holds the partition's lease. Keys are <c>&lt;stream&gt;.&lt;group&gt;.p&lt;n&gt;</c> (the lease of
/// partition n, value the holding process) and <c>&lt;stream&gt;.&lt;group&gt;.m.&lt;process&gt;</c> (a process's presence,
/// value its member count). The bucket's <c>MaxAge</c> is <see cref="NatsTransportOptions.LeaseDuration"/>: an entry not
/// written again within it disappears, which is how the leases of a process that died expire.</para>
/// <para>Every third of the lease duration a round writes the presence, renews each lease held with a compare-and-set on
/// the revision written (a failed one means the lease is gone: the partition is released at once), and computes this
/// process's share from the presences, weighted by member count and laid out in the order of process ids, so that every
/// process computes the same shares. A process above its share releases partitions and deletes their leases; one below
/// creates leases on free partitions, its own range first. A lease is deleted only after the partition's cursor has
/// handed back what it held, so the next holder starts from a settled partition. A process that cannot reach the server
/// releases a partition once its lease is two thirds through its life unrenewed, before another process can take it.</para>
/// </remarks>
#pragma warning disable CA1001 // The gate never creates a wait handle (no AvailableWaitHandle): nothing to dispose.
internal sealed class NatsLeases(PartitionOwnership ownership, NatsTopic topic, NatsBucket bucket, string process)
    : PartitionLeases(ownership, topic.Options.LeaseDuration / 3, topic.TimeProvider)
#pragma warning restore CA1001
{
    private readonly string _prefix = $"{NatsNames.Token(topic.Stream)}.{NatsNames.Token(ownership.Group)}";
    private readonly Dictionary<int, (ulong Revision, DateTimeOffset RenewedAt)> _held = [];
    private readonly Dictionary<int, Task> _releasing = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _closed;

    /// <summary>Releases every partition and deletes the leases and the presence, so that other processes take over at
    /// once; no round runs after it. The transport calls it while closing, when its connection is still open.</summary>
    public Task CloseAsync() => GatedAsync(() =>
    {
        _closed = true;
        return GiveUpAsync();
    });

    protected override Task RoundAsync(CancellationToken cancellationToken) => GatedAsync(
        async () =>
        {
            if (!_closed && Ownership.MemberCount > 0)
            {
                await BalanceAsync(await bucket.GetAsync(cancellationToken).ConfigureAwait(false), Ownership.MemberCount, cancellationToken).ConfigureAwait(false);
            }
        },
        cancellationToken);

    protected override Task OnRoundFailedAsync(Exception exception)
    {
        NatsLog.LeasesFailed(topic.Logger, Ownership.Group, topic.Stream, exception);
        return GatedAsync(() =>
        {
            // The server may be away: partitions stop being read before their leases can expire and go to another process.
            var stale = topic.TimeProvider.GetUtcNow() - (2 * Interval);
            foreach (var (partition, _) in _held.Where(l => l.Value.RenewedAt <= stale).ToList())
            {
                _ = Release(partition);
            }

            return Task.CompletedTask;
        });
    }

    // After CloseAsync only the hand-backs may still run: the leases are deleted already.
    protected override Task ReleaseAllAsync() =>
        GatedAsync(async () => await (_closed ? Task.WhenAll(_releasing.Values) : GiveUpAsync()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing));

    private async Task GatedAsync(Func<Task> action, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await action().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task BalanceAsync(INatsKVStore store, int members, CancellationToken cancellationToken)
    {
        await store.PutAsync(Presence(process), members.ToString(CultureInfo.InvariantCulture), cancellationToken: cancellationToken).ConfigureAwait(false);
        var weights = await PresencesAsync(store, cancellationToken).ConfigureAwait(false);
        weights[process] = members;
        var count = Ownership.PartitionCount;
        var holders = new string?[count];
        for (var p = 0; p < count; p++)
        {
            var entry = await store.TryGetEntryAsync<string>(Lease(p), cancellationToken: cancellationToken).ConfigureAwait(false);
            holders[p] = entry.Success ? entry.Value.Value : null;
        }

        foreach (var (p, lease) in _held.ToList())
        {
            if (holders[p] == process
                && await store.TryUpdateAsync(Lease(p), process, lease.Revision, cancellationToken: cancellationToken).ConfigureAwait(false) is { Success: true } renewed)
            {
                _held[p] = (renewed.Value, topic.TimeProvider.GetUtcNow());
            }
            else
            {
                // Expired or taken (the process was away longer than the lease): the partition is someone else's now.
                _ = Release(p);
            }
        }

        var (from, to) = Share(weights, process, count);
        var excess = _held.Count - (to - from);
        if (excess > 0)
        {
            var release = _held.Keys.OrderBy(p => p >= from && p < to).ThenByDescending(p => p).Take(excess).ToList();
            await Task.WhenAll(release.Select(p => ReleaseAndDeleteAsync(store, p, cancellationToken))).ConfigureAwait(false);
            return;
        }

        for (var i = 0; i < count && excess < 0; i++)
        {
            var p = (from + i) % count;
            if (holders[p] is not null || _held.ContainsKey(p))
            {
                continue;
            }

            var created = await store.TryCreateAsync(Lease(p), process, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (created.Success)
            {
                _held[p] = (created.Value, topic.TimeProvider.GetUtcNow());
                excess++;
                // A partition released here earlier is read again only once its cursor has handed back what it held.
                if (_releasing.Remove(p, out var released))
                {
                    await released.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                await Ownership.AcquireAsync(p, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<SortedDictionary<string, int>> PresencesAsync(INatsKVStore store, CancellationToken cancellationToken)
    {
        var weights = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var prefix = Presence(string.Empty);
        await foreach (var key in store.GetKeysAsync([prefix + "*"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var entry = await store.TryGetEntryAsync<string>(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (entry.Success && int.TryParse(entry.Value.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var weight) && weight > 0)
            {
                weights[key[prefix.Length..]] = weight;
            }
        }

        return weights;
    }

    /// <summary>Returns the range of partitions [from, to) that falls to <paramref name="process"/>: every process computes the same split.</summary>
    internal static (int From, int To) Share(SortedDictionary<string, int> weights, string process, int partitions)
    {
        long total = weights.Values.Sum(), before = 0;
        foreach (var (id, weight) in weights)
        {
            if (id == process)
            {
                return ((int)(partitions * before / total), (int)(partitions * (before + weight) / total));
            }

            before += weight;
        }

        return (0, 0);
    }

    // The kernel stops handing the partition out at once; its cursor hands back in the background.
    private Task Release(int partition)
    {
        _held.Remove(partition);
        var released = Ownership.ReleaseAsync(partition).AsTask();
        _releasing[partition] = released;
        return released;
    }

    private async Task ReleaseAndDeleteAsync(INatsKVStore store, int partition, CancellationToken cancellationToken)
    {
        var revision = _held[partition].Revision;
        await Release(partition).ConfigureAwait(false);
        await store.TryDeleteAsync(Lease(partition), new NatsKVDeleteOpts { Revision = revision }, cancellationToken).ConfigureAwait(false);
    }

    private async Task GiveUpAsync()
    {
        var held = _held.ToList();
        await Task.WhenAll(held.Select(p => Release(p.Key)).Concat(_releasing.Values)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _releasing.Clear();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var store = await bucket.GetAsync(timeout.Token).ConfigureAwait(false);
            foreach (var (p, lease) in held)
            {
                await store.TryDeleteAsync(Lease(p), new NatsKVDeleteOpts { Revision = lease.Revision }, timeout.Token).ConfigureAwait(false);
            }

            await store.TryDeleteAsync(Presence(process), cancellationToken: timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Unreachable: the leases expire after LeaseDuration instead.
        catch (Exception e)
#pragma warning restore CA1031
        {
            NatsLog.LeasesFailed(topic.Logger, Ownership.Group, topic.Stream, e);
        }
    }

    private string Lease(int partition) => $"{_prefix}.p{partition.ToString(CultureInfo.InvariantCulture)}";

    private string Presence(string id) => $"{_prefix}.m.{id}";
}
