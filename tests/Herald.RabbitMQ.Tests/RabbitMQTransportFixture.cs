using Herald.Conformance.Transports;
using Herald.Events;
using Herald.Transports;

namespace Herald.RabbitMQ.Tests;

/// <summary>Hands each conformance test a transport over the shared connection, with names of its own, deleted after the test.</summary>
public sealed class RabbitMQTransportFixture(RabbitMQBroker broker) : ITransportFixture
{
    public string MessagingSystem => "rabbitmq";

    public bool KeepsConsumedEvents => false;

    public ValueTask<ITransport> CreateTransportAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<ITransport>(new Cleaning(broker.CreateTransport()));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The transport under test, deleting its queues, exchanges and dead-letter stream when the suite (or a host's
    /// container) disposes it.</summary>
    internal sealed class Cleaning(RabbitMQTransport transport) : ITransport, IAsyncDisposable
    {
        public string MessagingSystem => transport.MessagingSystem;

        // The transport writes the letters of messages it cannot hand over (unreadable, too large) to its own store.
        public DeadLetters.IDeadLetterStore DeadLetterStore => transport.DeadLetterStore;

        public Consuming.Ordering.ISequencePositionStore? SequencePositions => transport.SequencePositions;

        public ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default) =>
            transport.SendAsync(topic, envelope, cancellationToken);

        public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
            transport.SendManyAsync(topic, envelopes, cancellationToken);

        public ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            transport.ListenAsync(topic, group, cancellationToken);

        public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            transport.GetLagAsync(topic, group, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await transport.DeleteTopologyAsync(CancellationToken.None);
            await transport.DisposeAsync();
        }
    }
}
