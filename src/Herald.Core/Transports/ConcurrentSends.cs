using Herald.Events;

namespace Herald.Transports;

/// <summary>A <see cref="ITransport.SendManyAsync"/> for transports without a batch operation: concurrent sends that keep each
/// partition key's order.</summary>
/// <remarks>A transport calls it from its <see cref="ITransport.SendManyAsync"/> (NATS does), or a partitioned transport from
/// its batch append (<see cref="Partitioned.BrokerTransport"/> does, for RabbitMQ and NATS).</remarks>
public static class ConcurrentSends
{
    /// <summary>The most sends in flight at once: enough to fill a broker's pipeline, few enough not to flood its client.</summary>
    public const int MaxInFlight = 256;

    /// <summary>Sends <paramref name="envelopes"/> through <paramref name="transport"/>'s <see cref="ITransport.SendAsync"/>,
    /// up to <see cref="MaxInFlight"/> sends in flight.</summary>
    /// <remarks>The envelopes of one partition key go one after the other, in order; different keys (and each envelope
    /// without a key) side by side. When a send fails, no further send starts, the sends in flight finish, and the task fails
    /// with the first failure: the envelopes of its key after it are not sent, while envelopes of other keys may have been
    /// accepted. An empty batch sends nothing.</remarks>
    /// <param name="transport">The transport whose single sends carry the batch.</param>
    /// <param name="topic">The topic every envelope goes to.</param>
    /// <param name="envelopes">The batch, in publish order.</param>
    /// <param name="cancellationToken">Stops sends not yet started.</param>
    /// <exception cref="ArgumentNullException"><paramref name="transport"/>, <paramref name="envelopes"/> or one of its envelopes is null.</exception>
    public static async ValueTask SendAsync(ITransport transport, string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(envelopes);
        cancellationToken.ThrowIfCancellationRequested();
        var chains = new List<(int, List<EventEnvelope>)>();
        AddChains(chains, 0, envelopes);
        await SendChainsAsync(chains, (_, envelope, token) => transport.SendAsync(topic, envelope, token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a batch already split into partitions through <paramref name="send"/>, up to <see cref="MaxInFlight"/>
    /// sends in flight, with the same ordering and failure rules as <see cref="SendAsync(ITransport, string, IReadOnlyList{EventEnvelope}, CancellationToken)"/>.</summary>
    /// <param name="partitions">Per partition, its envelopes in publish order; <see langword="null"/> for a partition with none.</param>
    /// <param name="send">Sends one envelope to one partition.</param>
    /// <param name="cancellationToken">Stops sends not yet started.</param>
    /// <exception cref="ArgumentNullException"><paramref name="partitions"/>, <paramref name="send"/> or an envelope is null.</exception>
    public static async ValueTask SendAsync(IReadOnlyList<EventEnvelope>?[] partitions, Func<int, EventEnvelope, CancellationToken, ValueTask> send,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ArgumentNullException.ThrowIfNull(send);
        cancellationToken.ThrowIfCancellationRequested();
        var chains = new List<(int, List<EventEnvelope>)>();
        for (var partition = 0; partition < partitions.Length; partition++)
        {
            AddChains(chains, partition, partitions[partition] ?? []);
        }

        await SendChainsAsync(chains, send, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask SendChainsAsync(List<(int Partition, List<EventEnvelope> Envelopes)> chains,
        Func<int, EventEnvelope, CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        if (chains.Count == 0)
        {
            return;
        }

        var next = -1;
        var failed = false;
        var workers = new Task[Math.Min(MaxInFlight, chains.Count)];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = SendChainsAsync();
        }

        await Task.WhenAll(workers).ConfigureAwait(false);

        // Each worker takes the next chain until none is left or a send failed: a key's envelopes go one after the other,
        // so a transport whose concurrent sends may overtake each other still keeps the key's order. After a failure no
        // worker starts another send, so what may have been accepted is what was in flight or done before it.
        async Task SendChainsAsync()
        {
            int index;
            while (!Volatile.Read(ref failed) && (index = Interlocked.Increment(ref next)) < chains.Count)
            {
                try
                {
                    var (partition, envelopes) = chains[index];
                    foreach (var envelope in envelopes)
                    {
                        if (Volatile.Read(ref failed))
                        {
                            return;
                        }

                        await send(partition, envelope, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch
                {
                    Volatile.Write(ref failed, true);
                    throw;
                }
            }
        }
    }

    /// <summary>Splits one partition's envelopes into chains to send in order: one per partition key, one per envelope without a key.</summary>
    private static void AddChains(List<(int, List<EventEnvelope>)> chains, int partition, IReadOnlyList<EventEnvelope> envelopes)
    {
        var byKey = new Dictionary<string, List<EventEnvelope>>(StringComparer.Ordinal);
        foreach (var envelope in envelopes)
        {
            ArgumentNullException.ThrowIfNull(envelope, nameof(envelopes));
            if (envelope.PartitionKey is not { } key)
            {
                chains.Add((partition, [envelope]));
            }
            else if (byKey.TryGetValue(key, out var chain))
            {
                chain.Add(envelope);
            }
            else
            {
                chain = [envelope];
                byKey.Add(key, chain);
                chains.Add((partition, chain));
            }
        }
    }
}
