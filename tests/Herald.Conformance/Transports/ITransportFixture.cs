using Herald.Transports;

namespace Herald.Conformance.Transports;

/// <summary>Creates the transports that <see cref="TransportConformance{TFixture}"/> checks.</summary>
/// <remarks>
/// xunit creates one fixture per test class and disposes it after the class's last test, so a
/// broker fixture holds its connection here and hands each test a transport over it. Every test
/// uses topic and group names of its own, so transports from one fixture may share a broker.
/// Topics must have at least two partitions, or the members of a group have nothing to share.
/// </remarks>
public interface ITransportFixture : IAsyncDisposable
{
    /// <summary>Creates a transport for one test.</summary>
    /// <remarks>The suite disposes the transport after the test when it is <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>.</remarks>
    ValueTask<ITransport> CreateTransportAsync(CancellationToken cancellationToken);

    /// <summary>Gets the <c>messaging.system</c> the transport's metrics and spans must carry: the OpenTelemetry semantic
    /// conventions' name of a broker (<c>rabbitmq</c>, <c>nats</c>), <c>herald.&lt;name&gt;</c> for Herald's own transports.</summary>
    /// <remarks>Stated by the fixture, not read from the transport, so a transport that names itself wrongly fails.</remarks>
    string MessagingSystem { get; }

    /// <summary>Gets whether the transport keeps events after consumption, so a group that never joined a topic is behind
    /// by every event the topic holds (the embedded log, NATS); a queue broker (RabbitMQ) keeps nothing for such a group.</summary>
    bool KeepsConsumedEvents { get; }
}
