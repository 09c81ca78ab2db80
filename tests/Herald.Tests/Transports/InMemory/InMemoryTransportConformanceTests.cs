using Herald.Conformance.Transports;

namespace Herald.Tests.Transports.InMemory;

public sealed class InMemoryTransportConformanceTests(InMemoryTransportFixture fixture) : TransportConformance<InMemoryTransportFixture>(fixture);
