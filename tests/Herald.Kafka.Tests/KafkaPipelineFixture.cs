using Herald.Conformance.Consuming;
using Herald.Hosting;
using Herald.Transports;

namespace Herald.Kafka.Tests;

/// <summary>Hands each pipeline test a dead-letter topic of its own on the run's herald serve; topics and groups are the test's own.</summary>
public sealed class KafkaPipelineFixture(KafkaServer server) : IPipelineFixture
{
    public ValueTask<IPipelineBroker> CreateBrokerAsync(CancellationToken cancellationToken) => new(new PipelineBroker(server.NewOptions()));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class PipelineBroker(KafkaTransportOptions options) : IPipelineBroker
    {
        public void Configure(HeraldBuilder herald) => herald.UseKafka(o =>
        {
            (o.BootstrapServers, o.Partitions, o.DeadLetterTopic, o.SessionTimeout, o.LagCacheDuration, o.DeadLetterListCacheDuration) =
                (options.BootstrapServers, options.Partitions, options.DeadLetterTopic, options.SessionTimeout, options.LagCacheDuration, options.DeadLetterListCacheDuration);
            o.DeadLetterTopicConfigs.Clear();
        });

        public ValueTask<ITransport> OpenTransportAsync(CancellationToken cancellationToken) => new(new KafkaTransport(options));
    }
}
