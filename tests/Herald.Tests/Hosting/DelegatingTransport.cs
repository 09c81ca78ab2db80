using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Transports;

namespace Herald.Tests.Hosting;

/// <summary>A transport that hands every member to <paramref name="inner"/>: a test overrides only what it watches or breaks.</summary>
internal abstract class DelegatingTransport(ITransport inner) : ITransport
{
    protected ITransport Inner => inner;

    public virtual string MessagingSystem => inner.MessagingSystem;

    public virtual IDeadLetterStore DeadLetterStore => inner.DeadLetterStore;

    public virtual ISequencePositionStore? SequencePositions => inner.SequencePositions;

    public virtual ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default) =>
        inner.SendAsync(topic, envelope, cancellationToken);

    public virtual ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
        inner.SendManyAsync(topic, envelopes, cancellationToken);

    public virtual ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default) =>
        inner.ListenAsync(topic, group, cancellationToken);

    public virtual ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
        inner.GetLagAsync(topic, group, cancellationToken);
}
