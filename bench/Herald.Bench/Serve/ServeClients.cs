using Confluent.Kafka;

namespace Herald.Bench.Serve;

/// <summary>The Confluent.Kafka client settings the <c>serve</c> mode measures with; the report prints them as given here.</summary>
internal static class ServeClients
{
    /// <summary>The value size of every record; records have no key and no headers.</summary>
    public const int ValueBytes = 100;

    /// <summary>The most records a throughput producer keeps between <c>Produce</c> and its delivery report: as many as its queue holds.</summary>
    public const int ProducerQueueRecords = 500_000;

    /// <summary>A producer built for throughput: durable acknowledgements (acks=all, idempotent), large batches, a deep queue.</summary>
    /// <remarks>A batch stays under the server's 1 MiB MaxBatchBytes; delivery reports carry only the status, which is all the
    /// bench reads (the others are copied per record into .NET objects, a cost of the client, not of the broker).</remarks>
    public static ProducerConfig ThroughputProducer(string bootstrap) => new()
    {
        BootstrapServers = bootstrap,
        ClientId = "herald-bench-producer",
        Acks = Acks.All,
        EnableIdempotence = true,
        CompressionType = CompressionType.None,
        LingerMs = 5,
        BatchSize = 1_000_000,
        BatchNumMessages = 100_000,
        MessageMaxBytes = 1_000_000,
        QueueBufferingMaxMessages = ProducerQueueRecords,
        QueueBufferingMaxKbytes = 256 * 1024,
        DeliveryReportFields = "none",
    };

    /// <summary>A producer built for latency: the same durability, batches closed after 1 ms.</summary>
    public static ProducerConfig LatencyProducer(string bootstrap) => new()
    {
        BootstrapServers = bootstrap,
        ClientId = "herald-bench-latency",
        Acks = Acks.All,
        EnableIdempotence = true,
        CompressionType = CompressionType.None,
        LingerMs = 1,
        DeliveryReportFields = "none",
    };

    /// <summary>A consumer built for throughput: partitions assigned (no group, no commits), 1 MiB fetches, a deep prefetch queue,
    /// results without the fields the bench does not read (headers, timestamp, topic).</summary>
    public static ConsumerConfig ThroughputConsumer(string bootstrap) => new()
    {
        BootstrapServers = bootstrap,
        ClientId = "herald-bench-consumer",
        // Confluent.Kafka requires a group id even for assigned partitions; nothing is committed to it.
        GroupId = "herald-bench",
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        // The backlog is there before the first fetch: a fetch.min.bytes above 1 can only add waits, never fill a response.
        FetchMinBytes = 1,
        // Responses of about 1 MiB keep server and client busy at once: the client parses one while the server reads the next.
        // Measured on 2 cores (medians of 5): 64 MiB per fetch and 8 MiB per partition 0.73M records/s; 1 MiB and 1 MiB 1.38M/s.
        FetchMaxBytes = 1024 * 1024,
        MaxPartitionFetchBytes = 1024 * 1024,
        QueuedMinMessages = 1_000_000,
        QueuedMaxMessagesKbytes = 256 * 1024,
        ConsumeResultFields = "none",
    };

    /// <summary>Renders the settings a config holds as <c>key=value</c> pairs, as librdkafka names them.</summary>
    public static string Describe(IEnumerable<KeyValuePair<string, string>> config) =>
        string.Join(" ", config.Where(c => c.Key is not ("bootstrap.servers" or "client.id")).Select(c => $"{c.Key}={(c.Value is "True" or "False" ? c.Value.ToLowerInvariant() : c.Value)}"));
}
