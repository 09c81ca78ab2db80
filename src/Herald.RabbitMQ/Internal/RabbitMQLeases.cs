using Herald.Transports.Partitioned;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Herald.RabbitMQ.Internal;

/// <summary>Spreads one consumer group's partitions over the processes that run members of it, with exclusive queues as locks.</summary>
/// <remarks>
/// Single active consumer keeps a partition in order across processes but gives every partition to the first subscriber.
/// So a process consumes partition n only while it holds the lock <see cref="RabbitMQNames.Lock"/>: an exclusive queue,
/// which one connection at a time may declare and which goes with that connection (a dead process's locks go with it).
/// Locks live on a connection of their own without automatic recovery; after a loss the next round opens a new one.
/// Each local member holds a consumer on the group's presence queue, whose consumer count is the group's members in every
/// process. Each round a process confirms its locks, gives back partitions beyond its share
/// (<c>ceil(partitions × its members / all members)</c>; the kernel closes their cursors, then the lock is deleted) and
/// takes free ones up to it. A process that believes it holds a lock it lost waits behind the new holder's consumer
/// (single active consumer) until its next round gives the partition up.
/// </remarks>
internal sealed class RabbitMQLeases(PartitionOwnership ownership, RabbitMQTransportOptions options, TimeProvider timeProvider)
    : PartitionLeases(ownership, options.RebalanceInterval, timeProvider)
{
    // The partitions this process holds locks for; read and written by the rounds only.
    private readonly HashSet<int> _held = [];
    private readonly List<string> _presence = [];
    private IConnection? _connection;
    private IChannel? _presenceChannel;
    private volatile bool _closed;

    /// <summary>Closes the lock connection for good: the transport is closing, and the broker frees the locks with it.</summary>
    public Task CloseAsync()
    {
        _closed = true;
        return CloseConnectionAsync();
    }

    protected override async Task RoundAsync(CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return;
        }

        if (_connection is not { IsOpen: true })
        {
            await CloseConnectionAsync().ConfigureAwait(false);
            var factory = RabbitMQTransport.CreateConnectionFactory(options);
            factory.AutomaticRecoveryEnabled = false;
            factory.TopologyRecoveryEnabled = false;
            _connection = await factory.CreateConnectionAsync(options.ClientName + "-leases", cancellationToken).ConfigureAwait(false);
        }

        var members = Ownership.MemberCount;
        var total = await PresenceAsync(_connection, members, cancellationToken).ConfigureAwait(false);
        var share = (int)Math.Ceiling(Ownership.PartitionCount * (double)members / Math.Max(total, members));
        foreach (var partition in _held.ToList())
        {
            if (!await TryLockAsync(_connection, partition, cancellationToken).ConfigureAwait(false))
            {
                // Taken while this process was away from the broker: the new holder is waiting behind this one's consumer.
                _held.Remove(partition);
                await Ownership.ReleaseAsync(partition).ConfigureAwait(false);
            }
            else
            {
                // Opens the partition's cursor again if an earlier round could not (nothing when it is open).
                await Ownership.AcquireAsync(partition, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var partition in _held.OrderDescending().Take(Math.Max(0, _held.Count - share)).ToList())
        {
            _held.Remove(partition);
            await Ownership.ReleaseAsync(partition).ConfigureAwait(false);
            var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await using var channelDisposal = channel.ConfigureAwait(false);
            await channel.QueueDeleteAsync(Lock(partition), ifUnused: false, ifEmpty: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        for (var partition = 0; partition < Ownership.PartitionCount && _held.Count < share; partition++)
        {
            if (!_held.Contains(partition) && await TryLockAsync(_connection, partition, cancellationToken).ConfigureAwait(false))
            {
                // Held once its cursor is open: a round that fails before closes the connection, and the lock goes with it.
                await Ownership.AcquireAsync(partition, cancellationToken).ConfigureAwait(false);
                _held.Add(partition);
            }
        }
    }

    // The broker is away: the next round opens a new connection and takes the locks again.
    protected override Task OnRoundFailedAsync(Exception exception) => CloseConnectionAsync();

    protected override async Task ReleaseAllAsync()
    {
        foreach (var partition in _held)
        {
            await Ownership.ReleaseAsync(partition).ConfigureAwait(false);
        }

        _held.Clear();
        await CloseConnectionAsync().ConfigureAwait(false);
    }

    private string Lock(int partition) => RabbitMQNames.Lock(options.NamePrefix, Ownership.Topic, Ownership.Group, partition);

    /// <summary>Keeps one presence consumer per local member and returns the presence queue's consumer count: every member of the group.</summary>
    private async Task<long> PresenceAsync(IConnection connection, int members, CancellationToken cancellationToken)
    {
        if (_presenceChannel is not { IsOpen: true })
        {
            _presence.Clear();
            _presenceChannel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var queue = RabbitMQNames.Presence(options.NamePrefix, Ownership.Topic, Ownership.Group);
        var arguments = new Dictionary<string, object?> { ["x-expires"] = (int)TimeSpan.FromHours(1).TotalMilliseconds };
        await _presenceChannel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        while (_presence.Count < members)
        {
            _presence.Add(await _presenceChannel.BasicConsumeAsync(queue, autoAck: true, new AsyncDefaultBasicConsumer(_presenceChannel), cancellationToken).ConfigureAwait(false));
        }

        while (_presence.Count > members)
        {
            await _presenceChannel.BasicCancelAsync(_presence[^1], cancellationToken: cancellationToken).ConfigureAwait(false);
            _presence.RemoveAt(_presence.Count - 1);
        }

        return (await _presenceChannel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false)).ConsumerCount;
    }

    /// <summary>Declares the partition's lock on this process's lock connection: true when it is this process's.</summary>
    private async Task<bool> TryLockAsync(IConnection connection, int partition, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.QueueDeclareAsync(Lock(partition), durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.ResourceLocked)
        {
            return false;
        }
        finally
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task CloseConnectionAsync()
    {
        _presence.Clear();
        var (channel, connection) = (_presenceChannel, _connection);
        (_presenceChannel, _connection) = (null, null);
        if (channel is not null)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }

        if (connection is not null)
        {
            // Closing may fail when the broker is away: the locks went with it then.
            await connection.CloseAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
