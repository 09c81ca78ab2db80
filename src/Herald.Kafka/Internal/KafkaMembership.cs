using Confluent.Kafka;
using Herald.Hosting;
using Herald.Transports.Partitioned;
using Microsoft.Extensions.Logging;

namespace Herald.Kafka.Internal;

/// <summary>This process's member of a Kafka consumer group: the consumer, on a thread of its own, whose rebalances acquire
/// and release the kernel's partitions and whose fetched records go to the partitions' cursors.</summary>
/// <remarks>
/// <para>A round is one consumer's life: it joins the group, consumes until the group closes here (or the transport
/// closes), then gives every partition back and leaves. A round that fails (a fatal client error) releases what it held;
/// the next one joins again after <see cref="RetryInterval"/>.</para>
/// <para>Every call into the consumer is made on its thread: librdkafka runs the rebalance callbacks inside
/// <c>Consume</c>, so an assignment is acquired and a revocation released before the client goes on. A revoked partition
/// stops handing out events and waits (up to <see cref="KafkaTransportOptions.RevocationTimeout"/>) for those in flight
/// to settle, then the position the group completed is committed, synchronously, and the partition released before the
/// callback returns and the coordinator moves it. A lost partition is released at once, without a commit.</para>
/// </remarks>
internal sealed class KafkaMembership : PartitionLeases
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);

    private readonly KafkaGroupSource _source;
    private readonly KafkaClients _clients;
    private readonly EventLimits _limits;
    private readonly ILogger _logger;
    private readonly CancellationToken _closing;
    private readonly HashSet<int> _held = [];
    private readonly HashSet<int> _paused = [];
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public KafkaMembership(KafkaGroupSource source, PartitionOwnership ownership, KafkaClients clients, EventLimits limits, TimeProvider timeProvider, ILogger logger, CancellationToken closing)
        : base(ownership, RetryInterval, timeProvider)
    {
        _source = source;
        _clients = clients;
        _limits = limits;
        _logger = logger;
        _closing = closing;
    }

    /// <summary>Gets a task that completes when a round ends because the transport closed.</summary>
    public Task Stopped => _stopped.Task;

    protected override async Task RoundAsync(CancellationToken cancellationToken)
    {
        if (_closing.IsCancellationRequested)
        {
            // The transport closed: no new member joins; the kernel stops the rounds when the group closes.
            _stopped.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing);
        await Task.Factory.StartNew(() => Consume(stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        if (_closing.IsCancellationRequested)
        {
            _stopped.TrySetResult();
        }
    }

    protected override Task OnRoundFailedAsync(Exception exception)
    {
        KafkaLog.ConsumerFailed(_logger, _source.Group, _source.Topic, exception);
        return Task.CompletedTask;
    }

    protected override Task ReleaseAllAsync()
    {
        _stopped.TrySetResult();
        return Task.CompletedTask;
    }

    private void Consume(CancellationToken stop)
    {
        using var consumer = _clients.GroupConsumer(_source.Group)
            .SetPartitionsAssignedHandler((c, partitions) => Assigned(partitions))
            .SetPartitionsRevokedHandler((c, partitions) => Revoke(c, partitions.Select(p => p.Partition.Value)))
            .SetPartitionsLostHandler((c, partitions) => GiveUp(c, partitions.Select(p => p.Partition.Value), "lost", commit: false))
            .Build();
        var clean = false;
        try
        {
            consumer.Subscribe(_source.Topic);
            while (!stop.IsCancellationRequested)
            {
                Poll(consumer);
            }

            // Leaving: every partition handed back and its completed position committed, then the group is told at once,
            // so the coordinator reassigns without waiting for the session to time out.
            GiveUp(consumer, [.. _held], "given up", commit: true);
            consumer.Close();
            clean = true;
        }
        finally
        {
            if (!clean)
            {
                GiveUp(consumer, [.. _held], "released after a failure", commit: false);
            }

            _paused.Clear();
        }
    }

    private void Poll(IConsumer<byte[]?, byte[]?> consumer)
    {
        try
        {
            if (consumer.Consume(PollTimeout) is { IsPartitionEOF: false } result)
            {
                Dispatch(result);
            }
        }
        catch (ConsumeException e) when (!e.Error.IsFatal)
        {
            KafkaLog.ClientError(_logger, LogLevel.Warning, e.Error.Code, e.Error.Reason, fatal: false);
        }

        foreach (var (partition, cursor) in _source.Cursors)
        {
            if (cursor.TakeCommit() is var next and >= 0)
            {
                Store(consumer, partition, next);
            }

            // Fetching pauses while a partition holds its limit (read and unsettled, or unread), and resumes at half.
            var held = cursor.Held;
            var tp = new TopicPartition(_source.Topic, partition);
            if (held >= _clients.Options.MaxBufferedPerPartition && _paused.Add(partition))
            {
                consumer.Pause([tp]);
            }
            else if (held <= _clients.Options.MaxBufferedPerPartition / 2 && _paused.Remove(partition))
            {
                consumer.Resume([tp]);
            }
        }
    }

    private void Dispatch(ConsumeResult<byte[]?, byte[]?> result)
    {
        if (!_source.Cursors.TryGetValue(result.Partition.Value, out var cursor))
        {
            return;
        }

        var envelope = KafkaRecords.FromRecord(result, _limits, out var error);
        if (error is not null)
        {
            KafkaLog.Unreadable(_logger, result.Topic, result.Partition.Value, result.Offset.Value, _source.Group, envelope.EventId, error);
        }

        cursor.Append(new SourceMessage(result.Offset.Value, envelope, error));
    }

    private void Store(IConsumer<byte[]?, byte[]?> consumer, int partition, long next)
    {
        try
        {
            consumer.StoreOffset(new TopicPartitionOffset(_source.Topic, partition, next));
        }
        catch (KafkaException)
        {
            // The partition left the assignment since: its position was committed when it was revoked, or the group
            // lost it, and the next owner starts from the last commit (at-least-once).
        }
    }

    private void Assigned(List<TopicPartition> partitions)
    {
        foreach (var tp in partitions)
        {
            var partition = tp.Partition.Value;
            if (partition >= Ownership.PartitionCount)
            {
                KafkaLog.PartitionBeyondCount(_logger, _source.Group, _source.Topic, partition, Ownership.PartitionCount);
                continue;
            }

            if (_held.Add(partition))
            {
                Wait(Ownership.AcquireAsync(partition, CancellationToken.None));
            }
        }

        KafkaLog.Rebalanced(_logger, _source.Group, _source.Topic, string.Join(",", partitions.Select(p => p.Partition.Value)), "assigned");
    }

    // The coordinator moves a revoked partition once this callback returns: it is drained first (all of them at once), so
    // what this process handed out is finished here and committed, not handled again by the next owner beside it.
    private void Revoke(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<int> partitions)
    {
        var revoked = partitions.Where(_held.Contains).ToList();
        if (revoked.Count > 0)
        {
            KafkaLog.Draining(_logger, _source.Group, _source.Topic, string.Join(",", revoked));
        }

        var drains = revoked.Select(p => Ownership.DrainAsync(p, _clients.Options.RevocationTimeout)).ToList();
        var drained = Task.WhenAll(drains).GetAwaiter().GetResult();
        if (drained.Contains(false))
        {
            KafkaLog.RevocationTimedOut(_logger, _source.Group, _source.Topic, string.Join(",", revoked.Where((_, i) => !drained[i])), _clients.Options.RevocationTimeout);
        }

        GiveUp(consumer, revoked, "revoked", commit: true);
    }

    private void GiveUp(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<int> partitions, string change, bool commit)
    {
        var offsets = new List<TopicPartitionOffset>();
        var given = new List<int>();
        foreach (var partition in partitions)
        {
            if (!_held.Remove(partition))
            {
                continue;
            }

            given.Add(partition);
            _paused.Remove(partition);
            // Released first: no more events of the partition are handed out, and later settlements are ignored.
            Wait(Ownership.ReleaseAsync(partition));
            if (_source.Cursors.TryRemove(partition, out var cursor) && cursor.Committed >= 0)
            {
                offsets.Add(new TopicPartitionOffset(_source.Topic, partition, cursor.Committed));
            }
        }

        if (commit && offsets.Count > 0)
        {
            // Stored as well: librdkafka commits the stored offsets of the partitions it unassigns once this callback
            // returns, and one stored before the last settlements would move the group's position back.
            foreach (var offset in offsets)
            {
                Store(consumer, offset.Partition.Value, offset.Offset.Value);
            }

            try
            {
                consumer.Commit(offsets);
            }
            catch (KafkaException e)
            {
                KafkaLog.CommitFailed(_logger, _source.Group, _source.Topic, string.Join(",", offsets.Select(o => o.Partition.Value)), e);
            }
        }

        if (given.Count > 0)
        {
            KafkaLog.Rebalanced(_logger, _source.Group, _source.Topic, string.Join(",", given), change);
        }
    }

    // The kernel's acquire and release complete synchronously for this source (its cursors open and close without I/O);
    // the rebalance callback must not return before they have.
    private static void Wait(ValueTask task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return;
        }

        task.AsTask().GetAwaiter().GetResult();
    }
}
