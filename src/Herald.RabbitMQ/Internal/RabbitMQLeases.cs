using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Herald.RabbitMQ.Internal;

/// <summary>Spreads one consumer group's partitions over the processes that run members of it, with exclusive queues as locks.</summary>
/// <remarks>
/// <para>RabbitMQ 3.10's single active consumer keeps a partition in order across processes but gives every partition to
/// the process that subscribed first, so a second process only waits. Here a process consumes partition n only while
/// it holds the lock <c><c>&lt;queue of partition n&gt;.lock</c>lt;queue of partition n<c>&lt;queue of partition n&gt;.lock</c>gt;:lock</c>: an exclusive, auto-delete queue, which the broker lets one
/// connection declare at a time and deletes when that connection closes, so a dead process's locks go with it.
/// Locks live on a connection of their own without automatic recovery: after a loss the next round opens a new one and
/// takes its locks again where they are still free.</para>
/// <para>Each member holds a consumer on the group's presence queue <c><c>&lt;topic&gt;.&lt;group&gt;.members</c>lt;topic<c>&lt;topic&gt;.&lt;group&gt;.members</c>gt;:<c>&lt;topic&gt;.&lt;group&gt;.members</c>lt;group<c>&lt;topic&gt;.&lt;group&gt;.members</c>gt;:members</c>, whose
/// consumer count is the number of members in every process. Every <see cref="RabbitMQTransportOptions.RebalanceInterval"/> a
/// process computes its share, <c>ceil(partitions × its members / all members)</c>, confirms the locks it holds, gives
/// back partitions beyond its share (the members stop consuming them, then the lock is deleted) and takes free ones up
/// to it. Single active consumer still guards order: a process that believes it holds a lock it lost waits behind the
/// new holder until its next round gives the partition up.</para>
/// </remarks>
#pragma warning disable CA1001 // Each run disposes its own token source when it ends; Stop only cancels it.
internal sealed class RabbitMQLeases(RabbitMQGroup group, RabbitMQTransportOptions options, TimeProvider timeProvider)
{
    // The partitions this process holds locks for; read and written by the rounds only.
    private readonly HashSet<int> _held = [];
    private readonly List<string> _presence = [];
    private CancellationTokenSource? _stop;
    private Task _run = Task.CompletedTask;
    private IConnection? _connection;
    private IChannel? _presenceChannel;

    /// <summary>Starts the rounds. Caller holds the group's gate.</summary>
    public void Start()
    {
        var previous = _run;
        _stop = new CancellationTokenSource();
        _run = RunAsync(previous, _stop);
    }

    /// <summary>Stops; the task completes once every partition is given back and the lock connection closed. Caller holds the group's gate.</summary>
    public Task Stop()
    {
        _stop?.Cancel();
        _stop = null;
        return _run;
    }

    private async Task RunAsync(Task previous, CancellationTokenSource stop)
    {
        using var owned = stop;
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // The broker is away: the next round opens a new connection and takes the locks again.
            catch (Exception)
#pragma warning restore CA1031
            {
                await CloseAsync();
            }

            await Task.Delay(options.RebalanceInterval, timeProvider, stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        foreach (var partition in _held.ToList())
        {
            await group.ReleaseAsync(partition);
        }

        _held.Clear();
        await CloseAsync();
    }

    private async Task RoundAsync(CancellationToken cancellationToken)
    {
        if (_connection is not { IsOpen: true })
        {
            await CloseAsync();
            var factory = RabbitMQTransport.CreateConnectionFactory(options);
            factory.AutomaticRecoveryEnabled = false;
            factory.TopologyRecoveryEnabled = false;
            _connection = await factory.CreateConnectionAsync(options.ClientName + "-leases", cancellationToken);
        }

        var total = await PresenceAsync(_connection, group.MemberCount, cancellationToken);
        var share = (int)Math.Ceiling(group.PartitionCount * (double)group.MemberCount / Math.Max(total, group.MemberCount));
        foreach (var partition in _held.ToList())
        {
            if (!await TryLockAsync(_connection, partition, cancellationToken))
            {
                // Taken while this process was away from the broker: the new holder is waiting behind this one's consumer.
                _held.Remove(partition);
                await group.ReleaseAsync(partition);
            }
        }

        foreach (var partition in _held.OrderDescending().Take(Math.Max(0, _held.Count - share)).ToList())
        {
            _held.Remove(partition);
            await group.ReleaseAsync(partition);
            await using var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
            await channel.QueueDeleteAsync(group.Lock(partition), ifUnused: false, ifEmpty: false, cancellationToken: cancellationToken);
        }

        for (var partition = 0; partition < group.PartitionCount && _held.Count < share; partition++)
        {
            if (!_held.Contains(partition) && await TryLockAsync(_connection, partition, cancellationToken))
            {
                _held.Add(partition);
                await group.AcquireAsync(partition, cancellationToken);
            }
        }
    }

    /// <summary>Keeps one presence consumer per local member and returns the presence queue's consumer count: every member of the group.</summary>
    private async Task<long> PresenceAsync(IConnection connection, int members, CancellationToken cancellationToken)
    {
        if (_presenceChannel is not { IsOpen: true })
        {
            _presence.Clear();
            _presenceChannel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        }

        var queue = group.Presence;
        var arguments = new Dictionary<string, object?> { ["x-expires"] = (int)TimeSpan.FromHours(1).TotalMilliseconds };
        await _presenceChannel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
        while (_presence.Count < members)
        {
            _presence.Add(await _presenceChannel.BasicConsumeAsync(queue, autoAck: true, new AsyncDefaultBasicConsumer(_presenceChannel), cancellationToken));
        }

        while (_presence.Count > members)
        {
            await _presenceChannel.BasicCancelAsync(_presence[^1], cancellationToken: cancellationToken);
            _presence.RemoveAt(_presence.Count - 1);
        }

        return (await _presenceChannel.QueueDeclarePassiveAsync(queue, cancellationToken)).ConsumerCount;
    }

    /// <summary>Declares the partition's lock on this process's lock connection: true when it is this process's.</summary>
    private async Task<bool> TryLockAsync(IConnection connection, int partition, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.QueueDeclareAsync(group.Lock(partition), durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken);
            return true;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.ResourceLocked)
        {
            return false;
        }
        finally
        {
            await channel.DisposeAsync();
        }
    }

    private async Task CloseAsync()
    {
        _presence.Clear();
        if (_presenceChannel is { } channel)
        {
            _presenceChannel = null;
            await channel.DisposeAsync();
        }

        if (_connection is { } connection)
        {
            _connection = null;
            try
            {
                await connection.CloseAsync();
            }
#pragma warning disable CA1031 // Already gone with the broker: the locks went with it.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            await connection.DisposeAsync();
        }
    }
}
#pragma warning restore CA1001
