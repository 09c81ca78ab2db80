namespace Herald.RabbitMQ.Internal;

/// <summary>Names the exchanges, queues and routing keys Herald declares.</summary>
/// <remarks>
/// A topic is the direct exchange <c>&lt;prefix&gt;&lt;topic&gt;</c>; partition <c>n</c> of a consumer group is the
/// quorum queue <c>&lt;prefix&gt;&lt;topic&gt;.&lt;group&gt;.p&lt;n&gt;</c>, bound with routing key <c>p&lt;n&gt;</c>.
/// Herald's own topics (<c>__herald.redrive.&lt;group&gt;.&lt;topic&gt;</c>) follow the same rule: only the group that
/// listens binds queues to them, so a redrive reaches that group only.
/// </remarks>
internal static class Names
{
    // RabbitMQ limits exchange and queue names to 255 bytes of UTF-8.
    private const int MaxNameBytes = 255;

    private static readonly string[] RoutingKeys = Enumerable.Range(0, 256).Select(p => "p" + p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public static string RoutingKey(int partition) => RoutingKeys[partition];

    public static string Exchange(string prefix, string topic) => Checked(prefix + topic);

    public static string Queue(string prefix, string topic, string group, int partition) =>
        Checked($"{prefix}{topic}.{group}.{RoutingKey(partition)}");

    /// <summary>Names the exclusive queue whose holder consumes the partition (see <see cref="RabbitMQLeases"/>).</summary>
    public static string Lock(string prefix, string topic, string group, int partition) => Checked(Queue(prefix, topic, group, partition) + ".lock");

    /// <summary>Names the queue whose consumers are the group's members in every process.</summary>
    public static string Presence(string prefix, string topic, string group) => Checked($"{prefix}{topic}.{group}.members");

    private static string Checked(string name) =>
        System.Text.Encoding.UTF8.GetByteCount(name) <= MaxNameBytes ? name
        : throw new ArgumentException($"The RabbitMQ name '{name}' is longer than {MaxNameBytes} bytes; use shorter topic, group or prefix names.");
}
