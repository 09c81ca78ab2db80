using Herald.Conformance.Transports;
using Herald.Transports;
using Herald.Transports.InMemory;

namespace Herald.Tests.Transports.InMemory;

/// <summary>Hands each conformance test a fresh in-memory transport with the default eight partitions.</summary>
public sealed class InMemoryTransportFixture : ITransportFixture
{
    public string MessagingSystem => "herald.inmemory";

    public bool KeepsConsumedEvents => false;

    public ValueTask<ITransport> CreateTransportAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<ITransport>(new InMemoryTransport());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
