using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Herald.Nats.Internal;

/// <summary>A file-backed JetStream key-value bucket with history 1, created on first use.</summary>
/// <remarks>With a <c>maxAge</c>, an entry not written again within it is removed by the server: leases expire that way.</remarks>
internal sealed class NatsBucket(INatsJSContext jetStream, string name, int replicas, TimeSpan maxAge = default)
{
    private readonly NatsKVContext _kv = new(jetStream);
    private Task<INatsKVStore>? _store;

    public Task<INatsKVStore> GetAsync(CancellationToken cancellationToken)
    {
        var store = _store ??= CreateAsync();
        if (store.IsFaulted)
        {
            // Retried on the next call (the server may have been down), not cached.
            _store = null;
        }

        return store.WaitAsync(cancellationToken);
    }

    private async Task<INatsKVStore> CreateAsync() =>
        await _kv.CreateOrUpdateStoreAsync(new NatsKVConfig(name)
        {
            Storage = NatsKVStorageType.File,
            History = 1,
            NumberOfReplicas = replicas,
            MaxAge = maxAge,
        }).ConfigureAwait(false);
}
