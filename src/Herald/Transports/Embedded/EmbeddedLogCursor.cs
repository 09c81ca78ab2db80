using Herald.Hosting;
using Herald.Log;
using Herald.Log.Groups;
using Herald.Transports.Partitioned;

namespace Herald.Transports.Embedded;

/// <summary>A consumer group's cursor on one partition of the log: a reader, commits to the log's group, and the durable redelivery schedule.</summary>
/// <remarks>A damaged partition is not consumed: the transport logged it with its repair command; its cursor reads nothing and never signals.</remarks>
internal sealed class EmbeddedLogCursor : PartitionCursor
{
    private static readonly Task<bool> Never = new TaskCompletionSource<bool>().Task;

    private readonly LogPartition _partition;
    private readonly LogReader? _reader;
    private readonly GroupMember _member;
    private readonly RetryStates _retries;
    private readonly EventLimits _limits;

    public EmbeddedLogCursor(AssignedPartition assigned, GroupMember member, RetryStates retries, EventLimits limits)
    {
        _partition = assigned.Partition;
        _member = member;
        _retries = retries;
        _limits = limits;
        StartOffset = assigned.StartOffset;
        Redelivery = retries.Get(member.Topic.Name, member.Group, _partition.Id);
        _reader = _partition.Damage is null ? _partition.OpenReader(StartOffset) : null;
    }

    public override long StartOffset { get; }

    public override PartitionRedelivery? Redelivery { get; }

    public override int Read(List<SourceMessage> messages, int maxCount)
    {
        var added = 0;
        while (added < maxCount && TryRead(out var records))
        {
            foreach (var record in records)
            {
                if (added == maxCount)
                {
                    _reader!.Seek(record.Offset);
                    break;
                }

                // A record that is not a readable CloudEvent, or is over the limits, is still handed out, so it is dead-lettered, not skipped.
                var envelope = EnvelopeRecords.FromRecord(record, $"{_partition.Topic}-{_partition.Id}@{record.Offset}", _limits, out var error);
                messages.Add(new SourceMessage(record.Offset, envelope, error));
                added++;
            }
        }

        return added;
    }

    public override Task<bool>? GetDataSignal() => _reader is null || _partition.Damage is not null ? Never : _reader.GetDataSignal();

    public override void Seek(long offset) => _reader?.Seek(offset);

    // In memory at once, so the group's lag is current; the log's groups make it durable within a second and on leaving.
    public override void Commit(long nextOffset) => _member.Commit(_partition.Id, nextOffset);

    public override ValueTask SaveRedeliveryAsync(PartitionRedelivery redelivery, CancellationToken cancellationToken) =>
        _retries.SetAsync(_member.Topic.Name, _member.Group, _partition.Id, redelivery, cancellationToken);

    public override ValueTask DisposeAsync()
    {
        _reader?.Dispose();
        return ValueTask.CompletedTask;
    }

    // Damage met while reading marks the partition damaged (the log raises it once); what was read before it is handed out.
    private bool TryRead(out RecordSet records)
    {
        records = default;
        try
        {
            return _reader is not null && _partition.Damage is null && _reader.TryRead(out records);
        }
        catch (LogCorruptedException)
        {
            return false;
        }
    }
}
