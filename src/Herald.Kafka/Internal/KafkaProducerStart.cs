using Herald.Transports;
using Microsoft.Extensions.Hosting;

namespace Herald.Kafka.Internal;

/// <summary>Starts the Kafka transport's producer when the host starts (in the background: the host never waits for the
/// broker), so the application's first publish finds it connected.</summary>
internal sealed class KafkaProducerStart(ITransport transport) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Another transport may have replaced Kafka's after UseKafka (UseTransport called again): nothing to start then.
        (transport as KafkaTransport)?.StartProducer();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
