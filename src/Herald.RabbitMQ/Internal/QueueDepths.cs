using System.Collections.Concurrent;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Herald.RabbitMQ.Internal;

/// <summary>Reads the ready-message count of each partition queue of a group, one reading per topic and group shared by the callers within <see cref="RabbitMQTransportOptions.LagCacheDuration"/>.</summary>
/// <remarks>
/// A reading opens a channel and declares every partition queue passively: health checks and metrics ask on every probe
/// or scrape, so concurrent callers share the reading in flight and later ones its result until the interval has passed
/// since it arrived. A failed reading is not kept. The reading runs uncancelled by any one caller.
/// </remarks>
internal sealed class QueueDepths(Func<CancellationToken, ValueTask<IConnection>> connect, RabbitMQTransportOptions options, TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<(string Topic, string Group), Reading> _readings = new();
    private long _reads;

    /// <summary>Gets how many readings went to the broker.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Returns the ready-message count per partition, or <see langword="null"/> when the group has no queues.</summary>
    public Task<uint[]?> GetAsync(string topic, string group, CancellationToken cancellationToken)
    {
        var reading = _readings.GetOrAdd((topic, group), static _ => new Reading());
        Task<uint[]?> current;
        lock (reading)
        {
            if (reading.Task is not { } kept || kept.IsFaulted || kept.IsCanceled
                || (kept.IsCompletedSuccessfully && timeProvider.GetUtcNow() - reading.ReadAt >= options.LagCacheDuration))
            {
                reading.Task = ReadAsync(reading, topic, group);
            }

            current = reading.Task;
        }

        return current.WaitAsync(cancellationToken);
    }

    private async Task<uint[]?> ReadAsync(Reading reading, string topic, string group)
    {
        Interlocked.Increment(ref _reads);
        var result = await ReadDepthsAsync(topic, group).ConfigureAwait(false);
        lock (reading)
        {
            // The interval counts from the answer, not the request: a slow reading is not stale on arrival.
            reading.ReadAt = timeProvider.GetUtcNow();
        }

        return result;
    }

    private async Task<uint[]?> ReadDepthsAsync(string topic, string group)
    {
        var connection = await connect(CancellationToken.None).ConfigureAwait(false);
        await using var channel = await connection.CreateChannelAsync().ConfigureAwait(false);
        var depths = new uint[options.Partitions];
        for (var partition = 0; partition < depths.Length; partition++)
        {
            try
            {
                depths[partition] = (await channel.QueueDeclarePassiveAsync(RabbitMQNames.Queue(options.NamePrefix, topic, group, partition)).ConfigureAwait(false)).MessageCount;
            }
            catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
            {
                return null;
            }
        }

        return depths;
    }

    private sealed class Reading
    {
        public Task<uint[]?>? Task { get; set; }

        public DateTimeOffset ReadAt { get; set; }
    }
}
