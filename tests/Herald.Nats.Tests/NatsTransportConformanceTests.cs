using Herald.Conformance.Transports;

namespace Herald.Nats.Tests;

public sealed class NatsTransportConformanceTests(NatsTransportFixture fixture) : TransportConformance<NatsTransportFixture>(fixture);
