using Herald.Hosting;
using Herald.Transports;

namespace Herald.Conformance.Consuming;

/// <summary>One test's place on a broker: the names its configuration gives (a dead-letter topic, bucket or stream among
/// them), which no other test uses.</summary>
public interface IPipelineBroker
{
    /// <summary>Points Herald at the place the way an application does (<c>UseKafka</c>, <c>UseNats</c>), so that the
    /// broker's own registration runs too.</summary>
    /// <remarks>Herald's container disposes the transport it creates; whatever the test made on the broker that must not
    /// outlive it goes with that transport.</remarks>
    void Configure(HeraldBuilder herald);

    /// <summary>Opens a transport of its own over the place, as another process would.</summary>
    /// <remarks>The suite disposes the transport when it is <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>.</remarks>
    ValueTask<ITransport> OpenTransportAsync(CancellationToken cancellationToken);
}
