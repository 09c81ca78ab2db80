using Herald.Conformance.Consuming;
using Herald.Hosting;
using Herald.Transports;

namespace Herald.RabbitMQ.Tests;

/// <summary>Hands each pipeline test a name prefix of its own over the run's shared connection.</summary>
public sealed class RabbitMQPipelineFixture(RabbitMQBroker broker) : IPipelineFixture
{
    public ValueTask<IPipelineBroker> CreateBrokerAsync(CancellationToken cancellationToken) =>
        new(new PipelineBroker(broker, RabbitMQBroker.NewOptions()));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class PipelineBroker(RabbitMQBroker broker, RabbitMQTransportOptions options) : IPipelineBroker
    {
        // Not UseRabbitMQ: only the transport that declared the test's queues, exchanges and dead-letter stream knows
        // them, and this one deletes them when Herald's container disposes it.
        public void Configure(HeraldBuilder herald) => herald.UseTransport(_ => new RabbitMQTransportFixture.Cleaning(broker.CreateTransport(options)));

        public ValueTask<ITransport> OpenTransportAsync(CancellationToken cancellationToken) => new(broker.CreateTransport(options));
    }
}
