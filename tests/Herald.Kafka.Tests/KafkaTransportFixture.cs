using Herald.Conformance.Transports;
using Herald.Transports;

namespace Herald.Kafka.Tests;

/// <summary>Hands each conformance test a transport on the run's herald serve; tests isolate themselves by topic and group names.</summary>
public sealed class KafkaTransportFixture(KafkaServer server) : ITransportFixture
{
    public string MessagingSystem => "kafka";

    public bool KeepsConsumedEvents => true;

    public ValueTask<ITransport> CreateTransportAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<ITransport>(new KafkaTransport(server.NewOptions()));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
