using Herald.Conformance.Transports;

namespace Herald.Tests.Transports.Embedded;

public sealed class EmbeddedLogTransportConformanceTests(EmbeddedLogTransportFixture fixture) : TransportConformance<EmbeddedLogTransportFixture>(fixture);
