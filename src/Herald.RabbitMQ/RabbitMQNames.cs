using System.Buffers;
using System.Globalization;
using System.Text;

namespace Herald.RabbitMQ;

/// <summary>Returns the names the RabbitMQ transport gives its exchanges and queues, for tools that inspect the broker.</summary>
/// <remarks>The one definition: the transport and the <c>herald</c> tool both use it, so they cannot drift apart. Herald's
/// own topics (<c>__herald.redrive.&lt;group&gt;.&lt;topic&gt;</c>) follow the same rules: only the group that listens binds
/// queues to them, so a redrive reaches that group only.</remarks>
public static class RabbitMQNames
{
    /// <summary>Separates topic, group and partition in queue names; topic and group names cannot contain it.</summary>
    private const char Separator = ':';

    // RabbitMQ limits exchange and queue names to 255 bytes of UTF-8.
    private const int MaxNameBytes = 255;

    private static readonly string[] RoutingKeys = [.. Enumerable.Range(0, 256).Select(p => "p" + p.ToString(CultureInfo.InvariantCulture))];

    // Herald's topic and group names (letters, digits, '.', '_', '-'), redrive topics included.
    private static readonly SearchValues<char> NameCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    /// <summary>Returns the durable direct exchange of <paramref name="topic"/>: <c>&lt;prefix&gt;&lt;topic&gt;</c>.</summary>
    /// <exception cref="ArgumentException">The topic holds a character other than a-z, A-Z, 0-9, '.', '_' and '-', or the name is over 255 bytes.</exception>
    public static string Exchange(string prefix, string topic) => Checked(prefix + Valid(topic, "topic"));

    /// <summary>Returns the quorum queue of partition <paramref name="partition"/> of <paramref name="group"/> on <paramref name="topic"/>:
    /// <c>&lt;prefix&gt;&lt;topic&gt;:&lt;group&gt;:p&lt;partition&gt;</c>, bound to the topic's exchange with routing key <c>p&lt;partition&gt;</c>.</summary>
    /// <remarks>Topic and group names cannot contain ':' (checked here, when a group starts listening), so no two groups share a queue.</remarks>
    /// <exception cref="ArgumentException">A name holds a character other than a-z, A-Z, 0-9, '.', '_' and '-', or the name is over 255 bytes.</exception>
    public static string Queue(string prefix, string topic, string group, int partition) =>
        Checked($"{prefix}{Valid(topic, "topic")}{Separator}{Valid(group, "group")}{Separator}{RoutingKey(partition)}");

    /// <summary>Returns the durable stream that keeps every group's dead letters: <c>&lt;prefix&gt;__herald.dead-letters</c>.</summary>
    public static string DeadLetterStream(string prefix) => prefix + "__herald.dead-letters";

    internal static string RoutingKey(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partition, 255);
        return RoutingKeys[partition];
    }

    /// <summary>Names the exclusive queue whose holder consumes the partition (see <c>RabbitMQLeases</c>).</summary>
    internal static string Lock(string prefix, string topic, string group, int partition) => Checked($"{Queue(prefix, topic, group, partition)}{Separator}lock");

    /// <summary>Names the queue whose consumers are the group's members in every process.</summary>
    internal static string Presence(string prefix, string topic, string group) =>
        Checked($"{prefix}{Valid(topic, "topic")}{Separator}{Valid(group, "group")}{Separator}members");

    /// <summary>Names the queue (and fanout exchange) that keeps the topic's events no group's queue took (see <c>UnroutedEvents</c>).</summary>
    internal static string Unrouted(string exchange) => Checked($"{exchange}{Separator}unrouted");

    private static string Valid(string name, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, what);
        return name.AsSpan().ContainsAnyExcept(NameCharacters)
            ? throw new ArgumentException($"The {what} name '{name}' is invalid on RabbitMQ: use the characters a-z, A-Z, 0-9, '.', '_' and '-'.", what)
            : name;
    }

    private static string Checked(string name) =>
        Encoding.UTF8.GetByteCount(name) <= MaxNameBytes ? name
        : throw new ArgumentException($"The RabbitMQ name '{name}' is longer than {MaxNameBytes} bytes; use shorter topic, group or prefix names.");
}
