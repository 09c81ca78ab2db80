using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Transports;

namespace Herald.Conformance.Transports;

/// <summary>Hands a test's transport to a host without handing it ownership: the suite disposes the transport, not the host's container.</summary>
internal sealed class UndisposedTransport(ITransport inner) : ITransport
{
    public string MessagingSystem => inner.MessagingSystem;

    public IDeadLetterStore DeadLetterStore => inner.DeadLetterStore;

    public ISequencePositionStore? SequencePositions => inner.SequencePositions;

    public ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default) =>
        inner.SendAsync(topic, envelope, cancellationToken);

    public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
        inner.SendManyAsync(topic, envelopes, cancellationToken);

    public ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default) =>
        inner.ListenAsync(topic, group, cancellationToken);

    public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
        inner.GetLagAsync(topic, group, cancellationToken);
}
