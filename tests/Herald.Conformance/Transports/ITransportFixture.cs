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
}
