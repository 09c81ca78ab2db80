using System.Collections.Concurrent;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;

namespace Herald.Transports.InMemory;

/// <summary>Keeps topics in process memory with the semantics of a partitioned log broker; for tests and single-process tools.</summary>
/// <remarks>
/// Topics are split into partitions by key (murmur2, as Kafka); every consumer group has its own
/// committed position per partition; the members of a group share the partitions and a member
/// that leaves gives them back. A group that joins starts at the earliest event still held.
/// Events are dropped once every group of the topic has completed them. Nothing survives the
/// process: use the embedded log or a broker transport for durability.
/// </remarks>
public sealed class InMemoryTransport : ITransport
{
    private readonly ConcurrentDictionary<string, InMemoryTopic> _topics = new(StringComparer.Ordinal);
    private readonly int _partitionCount;
    private readonly TimeProvider _timeProvider;
    private readonly EventLimits _limits;

    /// <summary>Creates an empty in-memory transport.</summary>
    /// <param name="options">The number of partitions. Default: <see cref="InMemoryTransportOptions"/>'s defaults.</param>
    /// <param name="timeProvider">The clock. Default: the system's.</param>
    /// <param name="limits">The limits a delivered event is held to: one over them (sent by a producer with larger limits) is
    /// dead-lettered (<see cref="DeadLetterReason.TooLarge"/>). Default: <see cref="EventLimits"/>'s defaults; Herald's host passes <see cref="HeraldOptions.Limits"/>.</param>
    /// <exception cref="InvalidOperationException">A limit is out of range.</exception>
    public InMemoryTransport(InMemoryTransportOptions? options = null, TimeProvider? timeProvider = null, EventLimits? limits = null)
    {
        _limits = limits ?? new EventLimits();
        _limits.Validate();
        _partitionCount = options?.PartitionCount ?? new InMemoryTransportOptions().PartitionCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(_partitionCount, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_partitionCount, 1024, nameof(options));
        _timeProvider = timeProvider ?? TimeProvider.System;
        SequencePositions = new InMemorySequencePositionStore(_timeProvider);
    }

    /// <inheritdoc />
    public string MessagingSystem => "herald.inmemory";

    /// <inheritdoc />
    public ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        cancellationToken.ThrowIfCancellationRequested();
        Topic(topic).Append(envelope);
        return ValueTask.CompletedTask;
    }

    /// <summary>Publishes a batch of envelopes to a topic, in order; they are accepted when this method returns.</summary>
    /// <remarks>Every envelope is checked before the first is appended: a null one fails the call with nothing sent.</remarks>
    public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var envelope in envelopes)
        {
            ArgumentNullException.ThrowIfNull(envelope, nameof(envelopes));
        }

        var target = Topic(topic);
        foreach (var envelope in envelopes)
        {
            target.Append(envelope);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Topic(topic).Join(group));
    }

    /// <summary>Gets the consumer groups' dead letters, in memory like the events.</summary>
    public IDeadLetterStore DeadLetterStore { get; } = new InMemoryDeadLetterStore();

    /// <summary>Gets the consumer groups' sequence positions per partition key, in memory like the events.</summary>
    public ISequencePositionStore SequencePositions { get; }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
        new(_topics.TryGetValue(topic, out var t) ? t.Lag(group) : []);

    /// <summary>Gets how many events of <paramref name="topic"/> group <paramref name="group"/> has not completed.</summary>
    public long GetBacklog(string topic, string group) =>
        _topics.TryGetValue(topic, out var t) ? t.Backlog(group) : 0;

    private InMemoryTopic Topic(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, "topic");
        return _topics.GetOrAdd(name, static (_, state) => new InMemoryTopic(state._partitionCount, state._timeProvider, state._limits), this);
    }
}
