using Herald.Conformance.Consuming;
using Herald.Hosting;
using Herald.Transports;

namespace Herald.Nats.Tests;

/// <summary>Hands each pipeline test buckets of its own over the run's one connection; streams and groups are the test's own.</summary>
public sealed class NatsPipelineFixture(NatsServer server) : IPipelineFixture
{
    public ValueTask<IPipelineBroker> CreateBrokerAsync(CancellationToken cancellationToken) => new(new PipelineBroker(server.NewOptions()));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class PipelineBroker(NatsTransportOptions options) : IPipelineBroker
    {
        public void Configure(HeraldBuilder herald) => herald.UseNats(o =>
        {
            (o.Connection, o.StreamPrefix, o.SubjectPrefix, o.PartitionsPerTopic, o.LagCacheDuration) =
                (options.Connection, options.StreamPrefix, options.SubjectPrefix, options.PartitionsPerTopic, options.LagCacheDuration);
            // The run's buckets, which the server fixture deletes at the end.
            (o.DeadLetterBucket, o.SequenceBucket, o.LeaseBucket, o.LeaseDuration) = (options.DeadLetterBucket, options.SequenceBucket, options.LeaseBucket, options.LeaseDuration);
        });

        public ValueTask<ITransport> OpenTransportAsync(CancellationToken cancellationToken) => new(new NatsTransport(options));
    }
}
