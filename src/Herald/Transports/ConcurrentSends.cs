using Herald.Events;

namespace Herald.Transports;

/// <summary>A <see cref="ITransport.SendManyAsync"/> for transports without a batch operation: concurrent sends that keep each
/// partition key's order.</summary>
/// <remarks>A transport calls it from its <see cref="ITransport.SendManyAsync"/>; RabbitMQ, NATS and the in-memory transport do.</remarks>
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
        var chains = Chains(envelopes);
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
                    foreach (var envelope in chains[index])
                    {
                        if (Volatile.Read(ref failed))
                        {
                            return;
                        }

                        await transport.SendAsync(topic, envelope, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Splits the batch into chains to send in order: one per partition key, one per envelope without a key.</summary>
    private static List<List<EventEnvelope>> Chains(IReadOnlyList<EventEnvelope> envelopes)
    {
        var chains = new List<List<EventEnvelope>>();
        var byKey = new Dictionary<string, List<EventEnvelope>>(StringComparer.Ordinal);
        foreach (var envelope in envelopes)
        {
            ArgumentNullException.ThrowIfNull(envelope, nameof(envelopes));
            if (envelope.PartitionKey is not { } key)
            {
                chains.Add([envelope]);
            }
            else if (byKey.TryGetValue(key, out var chain))
            {
                chain.Add(envelope);
            }
            else
            {
                chain = [envelope];
                byKey.Add(key, chain);
                chains.Add(chain);
            }
        }

        return chains;
    }
}
