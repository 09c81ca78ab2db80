using Herald.Conformance.Consuming;

namespace Herald.Nats.Tests;

public sealed class NatsPipelineConformanceTests(NatsPipelineFixture fixture) : PipelineConformance<NatsPipelineFixture>(fixture);
