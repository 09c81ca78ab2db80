using Herald.Consuming;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;

namespace Herald.Transports;

/// <summary>Moves envelopes between publishers and consumer groups: the contract every transport implements.</summary>
/// <remarks>
/// Semantics every transport keeps (the conformance suite checks them): every consumer group
/// receives every event published to a topic; the members of one group share its partitions;
/// events with the same partition key arrive in publish order; an event that is not completed is
/// delivered again. Transports are singletons and must be safe to call from any thread. Every member is abstract: a
/// transport states each answer, including "none" (<see cref="SequencePositions"/>, <see cref="GetLagAsync"/>).
/// </remarks>
public interface ITransport
{
    /// <summary>Publishes an envelope to a topic.</summary>
    /// <remarks>When the returned task completes, the transport has accepted the event with its
    /// durability guarantee (on disk for durable transports).</remarks>
    ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default);

    /// <summary>Publishes a batch of envelopes to a topic; completes once the transport has accepted all of them.</summary>
    /// <remarks>
    /// <para>
    /// Envelopes with the same partition key arrive in the order of <paramref name="envelopes"/>. An empty batch sends
    /// nothing. When the returned task completes, every envelope is accepted with the transport's durability guarantee,
    /// as after <see cref="SendAsync"/>.
    /// </para>
    /// <para>
    /// A transport without a batch operation calls <see cref="ConcurrentSends.SendAsync(ITransport, string, IReadOnlyList{EventEnvelope}, CancellationToken)"/>, which sends concurrently through
    /// <see cref="SendAsync"/> and keeps each key's order; one that can acknowledge a batch at once does that instead (the
    /// embedded log appends the batch and fsyncs once per partition).
    /// </para>
    /// </remarks>
    ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default);

    /// <summary>Joins consumer group <paramref name="group"/> on <paramref name="topic"/> as one competing member.</summary>
    /// <remarks>Disposing the listener leaves the group; its partitions move to the remaining members.</remarks>
    ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default);

    /// <summary>Gets the <c>messaging.system</c> Herald's metrics and spans name this transport by.</summary>
    /// <remarks>A broker transport returns the OpenTelemetry semantic conventions' name of its broker (<c>rabbitmq</c>,
    /// <c>kafka</c>, <c>nats</c>); Herald's own transports return <c>herald.&lt;name&gt;</c>.</remarks>
    string MessagingSystem { get; }

    /// <summary>Gets where the transport keeps the consumer groups' dead letters, as durably as its events.</summary>
    /// <remarks>Never <see langword="null"/>: Herald has no fallback. A transport whose events do not outlive the process
    /// returns an <see cref="InMemoryDeadLetterStore"/> of its own; a durable transport returns a store as durable as its events.</remarks>
    IDeadLetterStore DeadLetterStore { get; }

    /// <summary>Returns how far <paramref name="group"/> is behind on <paramref name="topic"/>, per partition.</summary>
    /// <remarks>
    /// <see langword="null"/> when the transport cannot tell. A group that never joined the topic is behind by every
    /// event the topic holds. Cheap enough to call on every metrics collection.
    /// </remarks>
    ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default);

    /// <summary>Gets where the transport keeps the consumer groups' sequence positions per partition key, for reorder buffers.</summary>
    /// <remarks>
    /// <see langword="null"/> when it keeps none (RabbitMQ has no key-value store). Herald never substitutes memory for it: a
    /// consumer group with <see cref="ConsumerGroupOptions.Reorder"/> then needs an <see cref="ISequencePositionStore"/>
    /// registered in the application's services, or the host refuses to start. A store registered there is used in
    /// preference to this one.
    /// </remarks>
    ISequencePositionStore? SequencePositions { get; }
}
