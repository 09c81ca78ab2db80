using Herald.RabbitMQ.Internal;

namespace Herald.RabbitMQ;

/// <summary>Returns the names the RabbitMQ transport gives its exchanges and queues, for tools that inspect the broker.</summary>
/// <remarks>The one definition: the transport and the <c>herald</c> tool both use it, so they cannot drift apart.</remarks>
public static class RabbitMQNames
{
    /// <summary>Returns the durable direct exchange of <paramref name="topic"/>: <c>&lt;prefix&gt;&lt;topic&gt;</c>.</summary>
    /// <exception cref="ArgumentException">The topic holds a character other than a-z, A-Z, 0-9, '.', '_' and '-', or the name is over 255 bytes.</exception>
    public static string Exchange(string prefix, string topic) => Names.Exchange(prefix, topic);

    /// <summary>Returns the quorum queue of partition <paramref name="partition"/> of <paramref name="group"/> on <paramref name="topic"/>:
    /// <c>&lt;prefix&gt;&lt;topic&gt;:&lt;group&gt;:p&lt;partition&gt;</c>.</summary>
    /// <remarks>Topic and group names cannot contain ':', so no two groups share a queue.</remarks>
    /// <exception cref="ArgumentException">A name holds a character other than a-z, A-Z, 0-9, '.', '_' and '-', or the name is over 255 bytes.</exception>
    public static string Queue(string prefix, string topic, string group, int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partition, 255);
        return Names.Queue(prefix, topic, group, partition);
    }

    /// <summary>Returns the durable stream that keeps every group's dead letters: <c>&lt;prefix&gt;__herald.dead-letters</c>.</summary>
    public static string DeadLetterStream(string prefix) => prefix + "__herald.dead-letters";
}
