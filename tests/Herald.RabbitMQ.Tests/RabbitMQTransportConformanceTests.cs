using Herald.Conformance.Transports;

namespace Herald.RabbitMQ.Tests;

public sealed class RabbitMQTransportConformanceTests(RabbitMQTransportFixture fixture) : TransportConformance<RabbitMQTransportFixture>(fixture);
