using Herald.Conformance.Transports;
using Herald.Transports;

namespace Herald.Nats.Tests;

/// <summary>Hands each conformance test a transport over the run's one connection; tests isolate themselves by topic and group names.</summary>
public sealed class NatsTransportFixture(NatsServer server) : ITransportFixture
{
    public string MessagingSystem => "nats";

    public bool KeepsConsumedEvents => true;

    public ValueTask<ITransport> CreateTransportAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<ITransport>(new NatsTransport(server.NewOptions()));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
