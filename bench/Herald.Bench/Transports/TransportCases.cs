using Herald.Hosting;

namespace Herald.Bench.Transports;

/// <summary>The transports the <c>transports</c> mode compares, all with <see cref="Partitions"/> partitions per topic.</summary>
internal static class TransportCases
{
    /// <summary>The partitions of every topic on every transport: RabbitMQ's default, so the brokers' topology is the one users get.</summary>
    public const int Partitions = 4;

    public static IReadOnlyList<TransportCase> All(string directory, string? kafka) =>
    [
        new("inmemory", "in-memory",
            "in this process's memory only, not durable",
            () => Task.FromResult<string?>(null),
            (h, _) => h.UseInMemoryTransport(o => o.PartitionCount = Partitions),
            _ => Task.CompletedTask),
        new("embedded", "embedded log",
            "fsynced to the local log, group commit (FlushPolicy.Always)",
            () => Task.FromResult<string?>(null),
            (h, name) => h.UseEmbeddedLog(o =>
            {
                o.DataDirectory = Path.Combine(directory, name);
                o.Log.DefaultTopic.Partitions = Partitions;
            }),
            name =>
            {
                var path = Path.Combine(directory, name);
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return Task.CompletedTask;
            }),
        RabbitMQCase.Create(),
        NatsCase.Create(),
        KafkaCase.Create(directory, kafka),
    ];
}
