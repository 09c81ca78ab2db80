using Herald.Conformance.Consuming;

namespace Herald.RabbitMQ.Tests;

public sealed class RabbitMQPipelineConformanceTests(RabbitMQPipelineFixture fixture) : PipelineConformance<RabbitMQPipelineFixture>(fixture);
