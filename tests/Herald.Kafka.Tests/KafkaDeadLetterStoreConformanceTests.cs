using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Herald.Conformance.DeadLetters;
using Herald.DeadLetters;

namespace Herald.Kafka.Tests;

public sealed class KafkaDeadLetterStoreConformanceTests(KafkaDeadLetterStoreFixture fixture) : DurableDeadLetterStoreConformance<KafkaDeadLetterStoreFixture>(fixture);

/// <summary>Hands each test a dead-letter topic of its own on the run's herald serve.</summary>
public sealed class KafkaDeadLetterStoreFixture(KafkaServer server) : IDeadLetterStoreFixture
{
    public ValueTask<IDeadLetterStorage> CreateStorageAsync(CancellationToken cancellationToken) => new(new Storage(server, server.NewOptions()));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The topic; raw records are produced under the keys an earlier version, or damage, would leave. Each
    /// opening is a new transport, as a restarted process.</summary>
    private sealed class Storage(KafkaServer server, KafkaTransportOptions options) : IDeadLetterStorage
    {
        private readonly List<KafkaTransport> _transports = [];

        public async ValueTask<IDeadLetterStore> OpenAsync(CancellationToken cancellationToken)
        {
            if (_transports.Count == 0)
            {
                // As the transport creates it with the first letter; created here so that raw records can go first.
                using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = server.Bootstrap }).Build();
                await admin.CreateTopicsAsync([new TopicSpecification { Name = options.DeadLetterTopic, NumPartitions = 1, ReplicationFactor = 1 }]);
            }

            var transport = new KafkaTransport(options);
            _transports.Add(transport);
            await transport.DeadLetterStore.GetAllAsync(cancellationToken);
            return transport.DeadLetterStore;
        }

        public ValueTask WriteLegacyAsync(DeadLetter letter, byte[] json, CancellationToken cancellationToken) =>
            ProduceAsync($"{letter.Group}\n{letter.EventId}", json, cancellationToken);

        public ValueTask WriteUnreadableAsync(string group, string name, byte[] value, CancellationToken cancellationToken) =>
            ProduceAsync($"{group}\n{name}", value, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            foreach (var transport in _transports)
            {
                await transport.DisposeAsync();
            }

            _transports.Clear();
        }

        private async ValueTask ProduceAsync(string key, byte[] value, CancellationToken cancellationToken)
        {
            await OpenAsync(cancellationToken); // creates the topic as the transport does
            using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = server.Bootstrap }).Build();
            await producer.ProduceAsync(new TopicPartition(options.DeadLetterTopic, 0), new Message<string, byte[]> { Key = key, Value = value }, cancellationToken);
        }
    }
}
