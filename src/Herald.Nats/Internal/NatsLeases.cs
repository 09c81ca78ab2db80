using System.Globalization;
using NATS.Client.KeyValueStore;

namespace Herald.Nats.Internal;

/// <summary>Shares one consumer group's partitions among the processes that run members of it, through leases in a key-value bucket.</summary>
/// <remarks>
/// <para>Keys are <c>&lt;stream&gt;.&lt;group&gt;.p&lt;n&gt;</c> (the lease of partition n, value the holding process)
/// and <c>&lt;stream&gt;.&lt;group&gt;.m.&lt;process&gt;</c> (a process's presence, value its member count). The bucket's
/// <c>MaxAge</c> is <see cref="NatsTransportOptions.LeaseDuration"/>: an entry not written again within it disappears,
/// which is how the leases of a process that died expire.</para>
/// <para>Every third of the lease duration a process writes its presence, renews each lease it holds with a
/// compare-and-set on the revision it wrote (a failed one means the lease is gone: the partition is handed back at
/// once), and computes its share of the partitions from the presences, weighted by member count and laid out in the
/// order of process ids, so that every process computes the same shares. A process above its share hands partitions
/// back and deletes their leases; one below creates leases on free partitions, its own range first. A lease is
/// deleted only after the partition is handed back, so the next holder starts from a settled partition. A process
/// that cannot reach the server stops handing out a partition once its lease is two thirds through its life
/// unrenewed, before another process can take it.</para>
/// </remarks>
#pragma warning disable CA1001 // Each run disposes its own token source when it ends; Stop only cancels it.
internal sealed class NatsLeases(NatsGroup group, NatsBucket bucket, string process)
{
    private readonly string _prefix = $"{NatsNames.Token(group.Topic.Stream)}.{NatsNames.Token(group.Name)}";
    private CancellationTokenSource? _stop;
    private Task _run = Task.CompletedTask;

    private TimeSpan Interval => group.Topic.Options.LeaseDuration / 3;

    private TimeProvider Clock => group.Topic.TimeProvider;

    /// <summary>Starts taking leases. Caller holds the group's lock.</summary>
    public void Start()
    {
        var previous = _run;
        _stop = new CancellationTokenSource();
        _run = RunAsync(previous, _stop);
    }

    /// <summary>Stops; the task completes once every lease is handed back and deleted. Caller holds the group's lock.</summary>
    public Task Stop()
    {
        _stop?.Cancel();
        _stop = null;
        return _run;
    }

    private async Task RunAsync(Task previous, CancellationTokenSource stop)
    {
        using var owned = stop;
        var cancellationToken = stop.Token;
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await BalanceAsync(await bucket.GetAsync(cancellationToken), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // The server may be away: the loop keeps trying, and gives partitions up before their leases can expire.
            catch (Exception e)
#pragma warning restore CA1031
            {
                NatsLog.LeasesFailed(group.Topic.Logger, group.Name, group.Topic.Stream, e);
                var stale = Clock.GetUtcNow() - 2 * Interval;
                foreach (var partition in group.Leased().Where(p => group.Partition(p).RenewedAt <= stale))
                {
                    _ = group.Relinquish(partition);
                }
            }

            await Task.Delay(Interval, Clock, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await GiveUpAsync();
    }

    private async Task BalanceAsync(INatsKVStore store, CancellationToken cancellationToken)
    {
        var members = group.MemberCount;
        if (members == 0)
        {
            return;
        }

        await store.PutAsync(Presence(process), members.ToString(CultureInfo.InvariantCulture), cancellationToken: cancellationToken);
        var weights = await PresencesAsync(store, cancellationToken);
        weights[process] = members;
        var count = group.Topic.PartitionCount;
        var holders = new string?[count];
        for (var p = 0; p < count; p++)
        {
            var entry = await store.TryGetEntryAsync<string>(Lease(p), cancellationToken: cancellationToken);
            holders[p] = entry.Success ? entry.Value.Value : null;
        }

        foreach (var p in group.Leased())
        {
            var shared = group.Partition(p);
            if (holders[p] == process
                && await store.TryUpdateAsync(Lease(p), process, shared.LeaseRevision, cancellationToken: cancellationToken) is { Success: true } renewed)
            {
                shared.LeaseRevision = renewed.Value;
                shared.RenewedAt = Clock.GetUtcNow();
            }
            else
            {
                // Expired or taken (the process was away longer than the lease): the partition is someone else's now.
                _ = group.Relinquish(p);
            }
        }

        var (from, to) = Share(weights, process, count);
        var held = group.Leased();
        var excess = held.Count - (to - from);
        if (excess > 0)
        {
            var release = held.OrderBy(p => p >= from && p < to).ThenByDescending(p => p).Take(excess);
            await Task.WhenAll(release.Select(p => ReleaseAsync(store, p, cancellationToken)));
            return;
        }

        for (var i = 0; i < count && excess < 0; i++)
        {
            var p = (from + i) % count;
            if (holders[p] is not null || held.Contains(p))
            {
                continue;
            }

            var created = await store.TryCreateAsync(Lease(p), process, cancellationToken: cancellationToken);
            if (created.Success)
            {
                group.Acquired(p, created.Value, Clock.GetUtcNow());
                excess++;
            }
        }
    }

    private async Task<SortedDictionary<string, int>> PresencesAsync(INatsKVStore store, CancellationToken cancellationToken)
    {
        var weights = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var prefix = Presence(string.Empty);
        await foreach (var key in store.GetKeysAsync([prefix + "*"], cancellationToken: cancellationToken))
        {
            var entry = await store.TryGetEntryAsync<string>(key, cancellationToken: cancellationToken);
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

    private async Task ReleaseAsync(INatsKVStore store, int partition, CancellationToken cancellationToken)
    {
        var revision = group.Partition(partition).LeaseRevision;
        await group.Relinquish(partition);
        await store.TryDeleteAsync(Lease(partition), new NatsKVDeleteOpts { Revision = revision }, cancellationToken);
    }

    /// <summary>Hands every partition back and deletes the leases and the presence, so that other processes take over at once.</summary>
    private async Task GiveUpAsync()
    {
        var held = group.Leased();
        await Task.WhenAll(held.Select(group.Relinquish));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var store = await bucket.GetAsync(timeout.Token);
            foreach (var p in held)
            {
                await store.TryDeleteAsync(Lease(p), new NatsKVDeleteOpts { Revision = group.Partition(p).LeaseRevision }, timeout.Token);
            }

            await store.TryDeleteAsync(Presence(process), cancellationToken: timeout.Token);
        }
#pragma warning disable CA1031 // Unreachable: the leases expire after LeaseDuration instead.
        catch (Exception e)
#pragma warning restore CA1031
        {
            NatsLog.LeasesFailed(group.Topic.Logger, group.Name, group.Topic.Stream, e);
        }
    }

    private string Lease(int partition) => $"{_prefix}.p{partition.ToString(CultureInfo.InvariantCulture)}";

    private string Presence(string id) => $"{_prefix}.m.{id}";
}
#pragma warning restore CA1001
