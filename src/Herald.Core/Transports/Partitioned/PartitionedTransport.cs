using Herald.Events;

namespace Herald.Transports.Partitioned;

/// <summary>
/// The partitioned-consumer kernel: a base for transports whose topics are partitioned logs (or queues per partition).
/// It implements publishing and consumer groups once; a transport supplies only the narrow source below it.
/// </summary>
/// <remarks>
/// <para>
/// The kernel owns the consumer-group semantics every transport keeps (the conformance suite checks them): the
/// partition of a key (murmur2, as Kafka), spreading the partitions this process holds over the group's members here and
/// moving them when members join or leave, what is in flight per partition, ignoring settlements from a read before a
/// rewind or a change of member, delayed and in-place redelivery (the failed event and everything after it in its
/// partition again, delivery count and first failure kept), and committing in offset order, only up to the first unsettled
/// delivery.
/// </para>
/// <para>
/// A transport derives from this class, implements <see cref="ITransport"/> (the kernel's <see cref="SendAsync"/>,
/// <see cref="SendManyAsync"/> and <see cref="ListenAsync"/> implement its members of the same names), and supplies the
/// source: <see cref="GetPartitionCount"/>, the two appends and <see cref="OpenGroupAsync"/> with its
/// <see cref="PartitionCursor"/>s (fetch with a wait signal, seek, commit) and, where the broker gives partitions to no
/// process natively, <see cref="PartitionLeases"/>.
/// </para>
/// </remarks>
#pragma warning disable CA1001 // The membership gate never creates a wait handle (no AvailableWaitHandle): nothing to dispose.
public abstract class PartitionedTransport
#pragma warning restore CA1001
{
    private readonly Dictionary<(string Topic, string Group), PartitionedGroup> _groups = [];
    private readonly SemaphoreSlim _membership = new(1, 1);
    private readonly TimeProvider _timeProvider;
    private uint _roundRobin;

    /// <summary>Creates the kernel.</summary>
    /// <param name="timeProvider">The clock redelivery delays run on. Default: the system's.</param>
    protected PartitionedTransport(TimeProvider? timeProvider) => _timeProvider = timeProvider ?? TimeProvider.System;

    /// <summary>Publishes an envelope to the partition its key chooses (round-robin without a key).</summary>
    /// <remarks>When the returned task completes, the transport has accepted the event with its durability guarantee.</remarks>
    public ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        cancellationToken.ThrowIfCancellationRequested();
        var count = PartitionCount(topic);
        var partition = envelope.PartitionKey is { } key ? KeyPartitioner.Partition(key, count) : RoundRobin(count);
        return AppendAsync(topic, partition, envelope, cancellationToken);
    }

    /// <summary>Publishes a batch of envelopes to a topic with one append per partition it touches.</summary>
    /// <remarks>
    /// Envelopes with a partition key go to their key's partition, in batch order. Envelopes without one all go to the
    /// same partition, chosen round-robin per batch (as Kafka's sticky partitioner does); successive batches spread over
    /// the partitions. Every envelope is checked before anything is appended: a null one fails the call with nothing
    /// sent. An empty batch sends nothing.
    /// </remarks>
    public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var envelope in envelopes)
        {
            ArgumentNullException.ThrowIfNull(envelope, nameof(envelopes));
        }

        if (envelopes.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var count = PartitionCount(topic);
        var sticky = RoundRobin(count);
        var parts = new List<EventEnvelope>?[count];
        foreach (var envelope in envelopes)
        {
            var partition = envelope.PartitionKey is { } key ? KeyPartitioner.Partition(key, count) : sticky;
            (parts[partition] ??= new List<EventEnvelope>((envelopes.Count / count) + 1)).Add(envelope);
        }

        return AppendAsync(topic, parts, cancellationToken);
    }

    /// <summary>Joins consumer group <paramref name="group"/> on <paramref name="topic"/> as one competing member.</summary>
    /// <remarks>Disposing the listener leaves the group; its partitions move to the group's remaining members in this process.</remarks>
    public async ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        var count = PartitionCount(topic);
        await _membership.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var opened = !_groups.TryGetValue((topic, group), out var kernelGroup);
            if (opened)
            {
                kernelGroup = await OpenAsync(topic, group, count, cancellationToken).ConfigureAwait(false);
                _groups.Add((topic, group), kernelGroup);
            }

            var listener = new PartitionedListener(kernelGroup!, LeaveAsync);
            kernelGroup!.Join(listener);
            if (opened)
            {
                // After the first member joined: a round that counted no member here would take no partition until the next.
                kernelGroup.Leases?.Start();
            }

            return listener;
        }
        finally
        {
            _membership.Release();
        }
    }

    /// <summary>Returns how many partitions <paramref name="topic"/> has, creating the topic when the source creates topics on first use.</summary>
    /// <remarks>Called on every publish: a transport answers from memory.</remarks>
    protected abstract int GetPartitionCount(string topic);

    /// <summary>Appends one envelope to one partition; completes once the source accepted it with its durability guarantee.</summary>
    protected abstract ValueTask AppendAsync(string topic, int partition, EventEnvelope envelope, CancellationToken cancellationToken);

    /// <summary>Appends a batch split by partition (<paramref name="partitions"/>[p] in order, or null where the batch has none); completes once every part is accepted.</summary>
    protected abstract ValueTask AppendAsync(string topic, IReadOnlyList<EventEnvelope>?[] partitions, CancellationToken cancellationToken);

    /// <summary>Opens consumer group <paramref name="group"/> on <paramref name="topic"/> in the source, for this process's first member of it.</summary>
    protected abstract ValueTask<PartitionGroupSource> OpenGroupAsync(string topic, string group, CancellationToken cancellationToken);

    private int PartitionCount(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return GetPartitionCount(topic);
    }

    private int RoundRobin(int count) => (int)(Interlocked.Increment(ref _roundRobin) % (uint)count);

    // Under _membership: the group's source, and either its leases (started once the first member joined) or every partition.
    private async ValueTask<PartitionedGroup> OpenAsync(string topic, string group, int count, CancellationToken cancellationToken)
    {
        var source = await OpenGroupAsync(topic, group, cancellationToken).ConfigureAwait(false);
        var kernelGroup = new PartitionedGroup(topic, group, count, source, _timeProvider);
        try
        {
            kernelGroup.Leases = source.CreateLeases(new PartitionOwnership(kernelGroup));
            if (kernelGroup.Leases is null)
            {
                for (var p = 0; p < count; p++)
                {
                    await kernelGroup.AcquireAsync(p, cancellationToken).ConfigureAwait(false);
                }
            }

            return kernelGroup;
        }
        catch
        {
            await kernelGroup.CloseAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async ValueTask LeaveAsync(PartitionedListener listener)
    {
        var group = listener.Group;
        await _membership.WaitAsync().ConfigureAwait(false);
        try
        {
            if (group.Leave(listener) == 0)
            {
                _groups.Remove((group.Topic, group.Name));
                await group.CloseAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _membership.Release();
        }
    }
}
