using Herald.Conformance.Consuming;

namespace Herald.Kafka.Tests;

public sealed class KafkaPipelineConformanceTests(KafkaPipelineFixture fixture) : PipelineConformance<KafkaPipelineFixture>(fixture);
