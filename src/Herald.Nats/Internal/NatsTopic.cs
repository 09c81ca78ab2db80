using Herald.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.JetStream;

namespace Herald.Nats.Internal;

/// <summary>One Herald topic on JetStream: its stream, its partition subjects, and what the cursors of its groups need: the limits
/// a delivered message is held to, and a token cancelled when the transport is disposed (cursors stop pulling even if their
/// listeners were never disposed).</summary>
internal sealed record NatsTopic(INatsJSContext JetStream, NatsTransportOptions Options, string Name, TimeProvider TimeProvider, ILogger Logger, EventLimits Limits, CancellationToken Closing)
{
    public string Stream { get; } = NatsNames.Stream(Options, Name);

    public int PartitionCount => Options.PartitionsPerTopic;

    public string Subject(int partition) => NatsNames.Subject(Options, Name, partition);
}
