using Herald.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.JetStream;

namespace Herald.Nats.Internal;

/// <summary>One Herald topic on JetStream: its stream, its partition subjects, and what the cursors of its groups need.</summary>
internal sealed class NatsTopic(INatsJSContext jetStream, NatsTransportOptions options, string name, TimeProvider timeProvider, ILogger logger, EventLimits limits, CancellationToken closing)
{
    public INatsJSContext JetStream { get; } = jetStream;

    public NatsTransportOptions Options { get; } = options;

    public string Name { get; } = name;

    public string Stream { get; } = NatsNames.Stream(options, name);

    public int PartitionCount => Options.PartitionsPerTopic;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public ILogger Logger { get; } = logger;

    /// <summary>Gets the limits a delivered message is held to.</summary>
    public EventLimits Limits { get; } = limits;

    /// <summary>Gets a token cancelled when the transport is disposed: cursors stop pulling even if their listeners were never disposed.</summary>
    public CancellationToken Closing { get; } = closing;

    public string Subject(int partition) => NatsNames.Subject(Options, Name, partition);
}
