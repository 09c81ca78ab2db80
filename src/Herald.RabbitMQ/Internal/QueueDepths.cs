using System.Collections.Concurrent;
using Herald.Transports;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Herald.RabbitMQ.Internal;

/// <summary>Reads the ready-message count of each partition queue of a group (a channel and a passive declaration per
/// queue), one reading per topic and group shared by the callers within <see cref="RabbitMQTransportOptions.LagCacheDuration"/>.</summary>
/// <remarks>Health checks and metrics ask on every probe or scrape: a <see cref="SharedRead{T}"/> per group gives concurrent
/// callers the reading in flight, later ones its result until the interval has passed since it arrived.</remarks>
internal sealed class QueueDepths(Func<CancellationToken, ValueTask<IConnection>> connect, RabbitMQTransportOptions options, TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<(string Topic, string Group), SharedRead<uint[]?>> _readings = new();
    private long _reads;

    /// <summary>Gets how many readings went to the broker.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Returns the ready-message count per partition, or <see langword="null"/> when the group has no queues.</summary>
    public Task<uint[]?> GetAsync(string topic, string group, CancellationToken cancellationToken) =>
        _readings.GetOrAdd((topic, group), key => new(() => ReadAsync(key), timeProvider, options.LagCacheDuration)).GetAsync(cancellationToken);

    private async Task<uint[]?> ReadAsync((string Topic, string Group) key)
    {
        Interlocked.Increment(ref _reads);
        var connection = await connect(CancellationToken.None).ConfigureAwait(false);
        var depths = new uint[options.Partitions];
        var channel = await connection.CreateChannelAsync().ConfigureAwait(false);
        await using var channelDisposal = channel.ConfigureAwait(false);
        try
        {
            for (var partition = 0; partition < depths.Length; partition++)
            {
                depths[partition] = (await channel.QueueDeclarePassiveAsync(RabbitMQNames.Queue(options.NamePrefix, key.Topic, key.Group, partition)).ConfigureAwait(false)).MessageCount;
            }

            return depths;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            return null;
        }
    }
}
