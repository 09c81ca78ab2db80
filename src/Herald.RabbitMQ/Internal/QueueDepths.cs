using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Herald.RabbitMQ.Internal;

/// <summary>Reads the ready-message count of each partition queue of a group (a channel and a passive declaration per
/// queue), one reading per topic and group shared by the callers within <see cref="RabbitMQTransportOptions.LagCacheDuration"/>.</summary>
/// <remarks>Health checks and metrics ask on every probe or scrape: concurrent callers share the reading in flight, later
/// ones its result until the interval has passed since it arrived. A failed reading is not kept; none is cancelled by one caller.</remarks>
internal sealed class QueueDepths(Func<CancellationToken, ValueTask<IConnection>> connect, RabbitMQTransportOptions options, TimeProvider timeProvider)
{
    // Per topic and group: the reading, and when it arrived (MaxValue while it is in flight).
    private readonly Dictionary<(string Topic, string Group), (Task<uint[]?> Reading, DateTimeOffset ReadAt)> _readings = [];
    private long _reads;

    /// <summary>Gets how many readings went to the broker.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Returns the ready-message count per partition, or <see langword="null"/> when the group has no queues.</summary>
    public Task<uint[]?> GetAsync(string topic, string group, CancellationToken cancellationToken)
    {
        lock (_readings)
        {
            if (!_readings.TryGetValue((topic, group), out var kept) || kept.Reading.IsFaulted || kept.Reading.IsCanceled
                || timeProvider.GetUtcNow() - kept.ReadAt >= options.LagCacheDuration)
            {
                _readings[(topic, group)] = kept = (ReadAsync((topic, group)), DateTimeOffset.MaxValue);
            }

            return kept.Reading.WaitAsync(cancellationToken);
        }
    }

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
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            depths = null;
        }

        // The interval counts from the answer, not the request: a slow reading is not stale on arrival.
        lock (_readings)
        {
            _readings[key] = (Task.FromResult(depths), timeProvider.GetUtcNow());
        }

        return depths;
    }
}
