using Confluent.Kafka;
using Herald.Kafka.Internal;

namespace Herald.Kafka;

/// <summary>Configures <see cref="KafkaTransport"/>.</summary>
/// <remarks>
/// Herald sets what its guarantees need on every client it creates: producers are idempotent with <c>acks=all</c>,
/// consumers read from the earliest offset when their group has none and store offsets only for completed events. The
/// connection (<see cref="BootstrapServers"/>, <see cref="ClientId"/>, <see cref="SecurityProtocol"/>, SASL and TLS) and
/// anything in <see cref="Settings"/> pass through to librdkafka unchanged; <see cref="Settings"/> is applied last, so
/// it can override any of Herald's defaults (at the cost of the guarantees that default gives).
/// </remarks>
public sealed class KafkaTransportOptions
{
    /// <summary>Gets or sets the brokers to bootstrap from, comma-separated <c>host:port</c>. Default <c>localhost:9092</c>
    /// (<c>herald serve</c>'s default address).</summary>
    public string BootstrapServers { get; set; } = "localhost:9092";

    /// <summary>Gets or sets the client id the brokers see in their logs and quotas. Default <c>herald</c>.</summary>
    public string ClientId { get; set; } = "herald";

    /// <summary>Gets or sets the protocol to the brokers (librdkafka <c>security.protocol</c>). Default <see langword="null"/>:
    /// librdkafka's default, plaintext.</summary>
    public SecurityProtocol? SecurityProtocol { get; set; }

    /// <summary>Gets or sets the SASL mechanism (<c>sasl.mechanism</c>), such as <see cref="Confluent.Kafka.SaslMechanism.ScramSha512"/>. Default <see langword="null"/>.</summary>
    public SaslMechanism? SaslMechanism { get; set; }

    /// <summary>Gets or sets the SASL user name (<c>sasl.username</c>). Default <see langword="null"/>.</summary>
    public string? SaslUsername { get; set; }

    /// <summary>Gets or sets the SASL password (<c>sasl.password</c>). Default <see langword="null"/>.</summary>
    public string? SaslPassword { get; set; }

    /// <summary>Gets or sets the file of CA certificates that sign the brokers' certificates (<c>ssl.ca.location</c>).
    /// Default <see langword="null"/>: the system's store.</summary>
    public string? SslCaLocation { get; set; }

    /// <summary>Gets the librdkafka settings applied to every client the transport creates (producer, consumers, admin),
    /// after Herald's own, so they win. Empty by default.</summary>
    /// <remarks>Any librdkafka property: <c>socket.keepalive.enable</c>, <c>ssl.certificate.location</c>,
    /// <c>sasl.oauthbearer.config</c>, … A property that does not exist fails the first use of a client with librdkafka's
    /// message.</remarks>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets whether a missing topic is created (with <see cref="Partitions"/>, <see cref="ReplicationFactor"/>
    /// and <see cref="TopicConfigs"/>). Default <see langword="true"/>.</summary>
    /// <remarks>With <see langword="false"/>, every topic must exist: publishing to or listening on a missing one fails
    /// with an error naming it. Herald's own topics (redrives, dead letters) follow the same setting.</remarks>
    public bool CreateTopics { get; set; } = true;

    /// <summary>Gets or sets how many partitions a topic Herald creates has. Default 8, from 1 to 10,000.</summary>
    /// <remarks>An existing topic keeps its own count, which Herald reads: a key's partition is murmur2 of the key modulo the
    /// topic's count, as Kafka's Java producer computes it. Redrive topics get one partition.</remarks>
    public int Partitions { get; set; } = 8;

    /// <summary>Gets or sets the replication factor of the topics Herald creates. Default -1: the broker's
    /// <c>default.replication.factor</c>; otherwise from 1 to 32767 (3 is usual on a production cluster).</summary>
    public short ReplicationFactor { get; set; } = -1;

    /// <summary>Gets the topic configs a topic Herald creates gets, such as <c>retention.ms</c>. Empty by default: the broker's defaults.</summary>
    public IDictionary<string, string> TopicConfigs { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the topic that keeps the dead letters of every group. Default <c>__herald.dead-letters</c>,
    /// the name the embedded log uses, with the same keys and values.</summary>
    public string DeadLetterTopic { get; set; } = "__herald.dead-letters";

    /// <summary>Gets the configs the dead-letter topic is created with. Default <c>cleanup.policy=compact</c>: the newest
    /// record of each letter is kept, a removed letter is a tombstone.</summary>
    /// <remarks><c>herald serve</c> takes no topic configs (its log keeps every record); clear this to use it.</remarks>
    public IDictionary<string, string> DeadLetterTopicConfigs { get; } = new Dictionary<string, string>(StringComparer.Ordinal) { ["cleanup.policy"] = "compact" };

    /// <summary>Gets or sets how long the list of dead letters is kept once read. Default 5 seconds, from zero (not kept) to 1 minute.</summary>
    /// <remarks>Listing reads the dead-letter topic up to its end: health checks and metrics that list on every probe share
    /// one reading per interval. Dead letters this process writes show at once; those of other processes within this interval.</remarks>
    public TimeSpan DeadLetterListCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long a lag reading of one topic and group is kept once read. Default 5 seconds, from zero (not kept) to 1 minute.</summary>
    public TimeSpan LagCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how often the consumers commit the offsets of completed events (<c>auto.commit.interval.ms</c>
    /// over the offsets Herald stores). Default 1 second, from 100 ms to 1 minute.</summary>
    /// <remarks>A partition given up in a rebalance, or by a leaving member, is committed at once. A crash loses at most this
    /// much of the commits: those events are delivered again (at-least-once).</remarks>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long the group coordinator waits for a silent member before it gives its partitions to
    /// others (<c>session.timeout.ms</c>). Default 45 seconds (librdkafka's), from 1 second to 30 minutes.</summary>
    /// <remarks>Handlers never hold up the heartbeat: Herald consumes on a thread of its own, whatever a handler does.</remarks>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Gets or sets how long a partition revoked in a rebalance waits for the events this process is handling from
    /// it. Default 10 seconds, from zero (hand it over at once) to 1 minute.</summary>
    /// <remarks>A revoked partition hands out nothing more; what this process already handed out is finished, committed,
    /// and only then does the partition move, so its next owner neither handles those events again nor runs beside this
    /// process. Events still unsettled when this passes (a slow handler, a retry waiting out its delay) come again to the
    /// next owner (at-least-once). The rebalance waits meanwhile for the partitions that move; the others keep flowing.</remarks>
    public TimeSpan RevocationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how partitions are spread over a group's processes (<c>partition.assignment.strategy</c>).
    /// Default <see cref="PartitionAssignmentStrategy.CooperativeSticky"/>: a rebalance moves only the partitions that change
    /// owner, the others keep being consumed.</summary>
    public PartitionAssignmentStrategy AssignmentStrategy { get; set; } = PartitionAssignmentStrategy.CooperativeSticky;

    /// <summary>Gets or sets how many events of one partition a process holds unsettled or unread at most before it
    /// pauses fetching that partition. Default 1,000, from 1 to 100,000.</summary>
    public int MaxBufferedPerPartition { get; set; } = 1000;

    internal KafkaTransportOptions Validated()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(BootstrapServers);
        ArgumentException.ThrowIfNullOrWhiteSpace(ClientId);
        ArgumentOutOfRangeException.ThrowIfLessThan(Partitions, 1, nameof(Partitions));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Partitions, 10_000, nameof(Partitions));
        if (ReplicationFactor is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(ReplicationFactor), ReplicationFactor, "Give -1 (the broker's default.replication.factor) or 1 to 32767.");
        }

        ArgumentException.ThrowIfNullOrEmpty(DeadLetterTopic);
        if (KafkaNames.Problem(DeadLetterTopic) is { } problem)
        {
            throw new ArgumentException($"{nameof(DeadLetterTopic)}: {problem}", nameof(DeadLetterTopic));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(DeadLetterListCacheDuration, TimeSpan.Zero, nameof(DeadLetterListCacheDuration));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DeadLetterListCacheDuration, TimeSpan.FromMinutes(1), nameof(DeadLetterListCacheDuration));
        ArgumentOutOfRangeException.ThrowIfLessThan(LagCacheDuration, TimeSpan.Zero, nameof(LagCacheDuration));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LagCacheDuration, TimeSpan.FromMinutes(1), nameof(LagCacheDuration));
        ArgumentOutOfRangeException.ThrowIfLessThan(CommitInterval, TimeSpan.FromMilliseconds(100), nameof(CommitInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CommitInterval, TimeSpan.FromMinutes(1), nameof(CommitInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(SessionTimeout, TimeSpan.FromSeconds(1), nameof(SessionTimeout));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SessionTimeout, TimeSpan.FromMinutes(30), nameof(SessionTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(RevocationTimeout, TimeSpan.Zero, nameof(RevocationTimeout));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RevocationTimeout, TimeSpan.FromMinutes(1), nameof(RevocationTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBufferedPerPartition, 1, nameof(MaxBufferedPerPartition));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBufferedPerPartition, 100_000, nameof(MaxBufferedPerPartition));
        return this;
    }
}
