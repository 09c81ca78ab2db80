using Herald.Hosting;
using Herald.Transports.Partitioned;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Herald.RabbitMQ.Internal;

/// <summary>One consumer group on one topic as the kernel sees it on RabbitMQ: a quorum queue per partition, leases across
/// processes, and what this process remembers of each partition.</summary>
/// <remarks>
/// RabbitMQ keeps no offsets and no per-group delivery count a requeue does not also raise, so the process keeps both
/// here while it has members of the group: the position the kernel committed per partition (a new cursor numbers the
/// messages the queue returns from it) and the redelivery schedule. After a restart offsets start again at 0 and counts
/// at 1, and a member of another process that takes a partition over does not wait out a delay.
/// </remarks>
internal sealed class RabbitMQGroupSource(
    Func<CancellationToken, ValueTask<IConnection>> connect, RabbitMQTransportOptions options, string topic, string group, TimeProvider timeProvider,
    ILogger logger, EventLimits limits, Action<RabbitMQGroupSource> closed) : PartitionGroupSource
{
    private readonly long[] _committed = new long[options.Partitions];
    private readonly PartitionRedelivery?[] _schedules = new PartitionRedelivery?[options.Partitions];
    private readonly RabbitMQCursor?[] _cursors = new RabbitMQCursor?[options.Partitions];
    private RabbitMQLeases? _leases;

    public string Topic => topic;

    public string Group => group;

    public ILogger Logger => logger;

    public EventLimits Limits => limits;

    public ushort Prefetch => (ushort)options.PrefetchCount;

    public TimeProvider TimeProvider => timeProvider;

    public string Queue(int partition) => RabbitMQNames.Queue(options.NamePrefix, topic, group, partition);

    /// <summary>Gets how many deliveries this process holds unacknowledged in <paramref name="partition"/>.</summary>
    public int Unsettled(int partition) => Volatile.Read(ref _cursors[partition])?.Unsettled ?? 0;

    public override async ValueTask<PartitionCursor> OpenAsync(int partition, CancellationToken cancellationToken)
    {
        var connection = await connect(cancellationToken).ConfigureAwait(false);
        PartitionRedelivery? schedule;
        long start;
        lock (_committed)
        {
            (start, schedule) = (_committed[partition], _schedules[partition]);
        }

        var cursor = await RabbitMQCursor.OpenAsync(this, connection, partition, start, schedule, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _cursors[partition], cursor);
        return cursor;
    }

    public override PartitionLeases? CreateLeases(PartitionOwnership ownership) => _leases = new RabbitMQLeases(ownership, options, timeProvider);

    /// <summary>Records the kernel's position in a partition: a later cursor starts numbering there.</summary>
    public void Committed(int partition, long nextOffset)
    {
        lock (_committed)
        {
            _committed[partition] = nextOffset;
            if (_schedules[partition] is { } schedule && schedule.Offset < nextOffset)
            {
                _schedules[partition] = null; // The failed event was handled.
            }
        }
    }

    public void Schedule(int partition, PartitionRedelivery redelivery)
    {
        lock (_committed)
        {
            _schedules[partition] = redelivery;
        }
    }

    /// <summary>Closes the leases' connection: the transport is closing, and the broker frees the locks with it.</summary>
    public Task CloseLeasesAsync() => _leases?.CloseAsync() ?? Task.CompletedTask;

    public override ValueTask DisposeAsync()
    {
        closed(this);
        return ValueTask.CompletedTask;
    }
}
