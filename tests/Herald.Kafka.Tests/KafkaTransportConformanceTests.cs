using Herald.Conformance.Transports;

namespace Herald.Kafka.Tests;

public sealed class KafkaTransportConformanceTests(KafkaTransportFixture fixture) : TransportConformance<KafkaTransportFixture>(fixture)
{
    // A Kafka consumer joins its group (JoinGroup, SyncGroup, offset fetch) before its first fetch: seconds, not milliseconds.
    protected override TimeSpan ReceiveTimeout => TimeSpan.FromSeconds(20);
}
