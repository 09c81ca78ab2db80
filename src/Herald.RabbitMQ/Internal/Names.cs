using System.Buffers;

namespace Herald.RabbitMQ.Internal;

/// <summary>Names the exchanges, queues and routing keys Herald declares.</summary>
/// <remarks>
/// A topic is the direct exchange <c>&lt;prefix&gt;&lt;topic&gt;</c>; partition <c>n</c> of a consumer group is the
/// quorum queue <c>&lt;prefix&gt;&lt;topic&gt;:&lt;group&gt;:p&lt;n&gt;</c>, bound with routing key <c>p&lt;n&gt;</c>.
/// Herald's own topics (<c>__herald.redrive.&lt;group&gt;.&lt;topic&gt;</c>) follow the same rule: only the group that
/// listens binds queues to them, so a redrive reaches that group only.
/// </remarks>
internal static class Names
{
    /// <summary>Separates topic, group and partition in queue names; topic and group names cannot contain it.</summary>
    public const char Separator = ':';

    // RabbitMQ limits exchange and queue names to 255 bytes of UTF-8.
    private const int MaxNameBytes = 255;

    private static readonly string[] RoutingKeys = Enumerable.Range(0, 256).Select(p => "p" + p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    // Herald's topic and group names (letters, digits, '.', '_', '-'), redrive topics included.
    private static readonly SearchValues<char> NameCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    public static string RoutingKey(int partition) => RoutingKeys[partition];

    public static string Exchange(string prefix, string topic) => Checked(prefix + Valid(topic, "topic"));

    /// <summary>Names partition <paramref name="partition"/>'s queue of a group.</summary>
    /// <remarks>The separator was '.', which topic and group names may contain too: topic <c>a.b</c> with group <c>c</c> and
    /// topic <c>a</c> with group <c>b.c</c> shared one queue, and each group acknowledged the other's events as ignored.
    /// Names hold no ':' (checked here, when a group starts listening), so a queue name splits into topic and group one way only.</remarks>
    public static string Queue(string prefix, string topic, string group, int partition) =>
        Checked($"{prefix}{Valid(topic, "topic")}{Separator}{Valid(group, "group")}{Separator}{RoutingKey(partition)}");

    /// <summary>Names the exclusive queue whose holder consumes the partition (see <see cref="RabbitMQLeases"/>).</summary>
    public static string Lock(string prefix, string topic, string group, int partition) => Checked($"{Queue(prefix, topic, group, partition)}{Separator}lock");

    /// <summary>Names the queue whose consumers are the group's members in every process.</summary>
    public static string Presence(string prefix, string topic, string group) =>
        Checked($"{prefix}{Valid(topic, "topic")}{Separator}{Valid(group, "group")}{Separator}members");

    /// <summary>Names the queue that keeps the topic's events no group's queue took (see <see cref="UnroutedEvents"/>).</summary>
    public static string Unrouted(string prefix, string topic) => Checked($"{prefix}{Valid(topic, "topic")}{Separator}unrouted");

    private static string Valid(string name, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, what);
        return name.AsSpan().ContainsAnyExcept(NameCharacters)
            ? throw new ArgumentException($"The {what} name '{name}' is invalid on RabbitMQ: use the characters a-z, A-Z, 0-9, '.', '_' and '-'.", what)
            : name;
    }

    private static string Checked(string name) =>
        System.Text.Encoding.UTF8.GetByteCount(name) <= MaxNameBytes ? name
        : throw new ArgumentException($"The RabbitMQ name '{name}' is longer than {MaxNameBytes} bytes; use shorter topic, group or prefix names.");
}
