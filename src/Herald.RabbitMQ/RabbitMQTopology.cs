using RabbitMQ.Client;

namespace Herald.RabbitMQ;

/// <summary>Deletes what the RabbitMQ transport declares, with the messages in it: for tools and tests that remove a
/// topology from a shared broker.</summary>
public static class RabbitMQTopology
{
    /// <summary>Deletes the exchanges and queues the transport declares for <paramref name="topic"/> and the
    /// <paramref name="groups"/> that listen to it; one that does not exist is passed over.</summary>
    /// <remarks>The partitions' lock queues are exclusive and go with their connections. Not deleted here: the dead-letter
    /// stream (<see cref="RabbitMQNames.DeadLetterStream"/>), which every topic shares, and a group's redrive topic, which
    /// is a topic of its own (<see cref="DeadLetters.DeadLetterQueues.RedriveTopic"/>).</remarks>
    /// <param name="channel">An open channel on the broker.</param>
    /// <param name="prefix">The transport's <see cref="RabbitMQTransportOptions.NamePrefix"/>.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="groups">The consumer groups that listened to it.</param>
    /// <param name="partitions">The transport's <see cref="RabbitMQTransportOptions.Partitions"/>.</param>
    /// <param name="cancellationToken">Stops the deletions not yet started.</param>
    /// <exception cref="ArgumentException">A name holds a character other than a-z, A-Z, 0-9, '.', '_' and '-', or a name is over 255 bytes.</exception>
    public static async Task DeleteAsync(IChannel channel, string prefix, string topic, IEnumerable<string> groups, int partitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(groups);
        var exchange = RabbitMQNames.Exchange(prefix, topic);
        IEnumerable<string> queues = [.. groups.SelectMany(g => Enumerable.Range(0, partitions)
            .Select(p => RabbitMQNames.Queue(prefix, topic, g, p)).Append(RabbitMQNames.Presence(prefix, topic, g))), RabbitMQNames.Unrouted(exchange)];
        foreach (var queue in queues)
        {
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var name in (string[])[RabbitMQNames.Unrouted(exchange), exchange])
        {
            await channel.ExchangeDeleteAsync(name, ifUnused: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
