using System.Collections.Concurrent;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Transports.Partitioned;

namespace Herald.Transports.InMemory;

/// <summary>Keeps topics in process memory with the semantics of a partitioned log broker; for tests and single-process tools.</summary>
/// <remarks>
/// Topics are split into partitions by key (murmur2, as Kafka); every consumer group has its own
/// committed position per partition; the members of a group share the partitions and a member
/// that leaves gives them back. A group that joins starts at the earliest event still held.
/// Events are dropped once every group of the topic has completed them. Nothing survives the
/// process: use the embedded log or a broker transport for durability. The consumer groups run on
/// the partitioned-consumer kernel (<see cref="PartitionedTransport"/>).
/// </remarks>
public sealed class InMemoryTransport : PartitionedTransport, ITransport, ITransportHealth
{
    private readonly ConcurrentDictionary<string, InMemoryTopic> _topics = new(StringComparer.Ordinal);
    private readonly int _partitionCount;
    private readonly EventLimits _limits;

    /// <summary>Creates an empty in-memory transport.</summary>
    /// <param name="options">The number of partitions. Default: <see cref="InMemoryTransportOptions"/>'s defaults.</param>
    /// <param name="timeProvider">The clock. Default: the system's.</param>
    /// <param name="limits">The limits a delivered event is held to: one over them (sent by a producer with larger limits) is
    /// dead-lettered (<see cref="DeadLetterReason.TooLarge"/>). Default: <see cref="EventLimits"/>'s defaults; Herald's host passes <see cref="HeraldOptions.Limits"/>.</param>
    /// <exception cref="InvalidOperationException">A limit is out of range.</exception>
    public InMemoryTransport(InMemoryTransportOptions? options = null, TimeProvider? timeProvider = null, EventLimits? limits = null)
        : base(timeProvider)
    {
        _limits = limits ?? new EventLimits();
        _limits.Validate();
        _partitionCount = options?.PartitionCount ?? new InMemoryTransportOptions().PartitionCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(_partitionCount, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_partitionCount, 1024, nameof(options));
        SequencePositions = new InMemorySequencePositionStore(timeProvider ?? TimeProvider.System);
    }

    /// <inheritdoc />
    public string MessagingSystem => "herald.inmemory";

    /// <summary>Gets the consumer groups' dead letters, in memory like the events.</summary>
    public IDeadLetterStore DeadLetterStore { get; } = new InMemoryDeadLetterStore();

    /// <summary>Gets the consumer groups' sequence positions per partition key, in memory like the events.</summary>
    public ISequencePositionStore SequencePositions { get; }

    /// <summary>Returns healthy: memory always accepts events.</summary>
    public TransportHealth CheckHealth() => TransportHealth.Healthy("In-memory transport: always accepts events.");

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
        new(_topics.TryGetValue(topic, out var t) ? t.Lag(group) : []);

    /// <summary>Gets how many events of <paramref name="topic"/> group <paramref name="group"/> has not completed.</summary>
    public long GetBacklog(string topic, string group) =>
        _topics.TryGetValue(topic, out var t) ? t.Lag(group).Sum(lag => lag.Lag) : 0;

    /// <inheritdoc />
    protected override int GetPartitionCount(string topic) => Topic(topic).Partitions.Length;

    /// <inheritdoc />
    protected override ValueTask AppendAsync(string topic, int partition, EventEnvelope envelope, CancellationToken cancellationToken)
    {
        Topic(topic).Append(partition, [envelope]);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask AppendAsync(string topic, IReadOnlyList<EventEnvelope>?[] partitions, CancellationToken cancellationToken)
    {
        var target = Topic(topic);
        for (var p = 0; p < partitions.Length; p++)
        {
            if (partitions[p] is { } part)
            {
                target.Append(p, part);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask<PartitionGroupSource> OpenGroupAsync(string topic, string group, CancellationToken cancellationToken) =>
        new(PartitionGroupSource.ForEveryPartition(partition => new InMemoryCursor(Topic(topic), Topic(topic).Committed(group), partition)));

    private InMemoryTopic Topic(string name) =>
        _topics.GetOrAdd(name, static (_, state) => new InMemoryTopic(state._partitionCount, state._limits), this);
}
