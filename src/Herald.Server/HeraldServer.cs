using System.Net;
using System.Net.Sockets;
using Herald.Log;
using Herald.Server.Internal;
using Herald.Server.Internal.Groups;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Server;

/// <summary>A single-node Kafka-protocol broker over Herald's embedded log: any Kafka client, in any language and any
/// process, produces to and consumes from the topics Herald applications use.</summary>
/// <remarks>
/// <para>The server opens the data directory and holds its lock until it stops. Requests on one connection are served
/// one at a time, in order; connections are served concurrently.</para>
/// <para>Consumer groups follow Kafka's classic protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), static
/// membership (<c>group.instance.id</c>) included; the server is every group's coordinator. As Kafka does, it keeps each
/// stable group's generation, members and assignments in the data directory (the state topic <c>__herald.groups</c>),
/// so after a restart members go on with their assignments, and those that do not come back time out. Committed offsets are the log's <see cref="EmbeddedLog.Groups"/>: a commit
/// is on disk before it is acknowledged, and Kafka clients' groups and Herald's own share one namespace of group names
/// (<c>herald log</c> shows a Kafka group's lag; a group name is best used from one side only). A commit's metadata
/// string is not kept. Transactions are not supported: a transactional producer is refused.</para>
/// </remarks>
public sealed class HeraldServer : IAsyncDisposable
{
    /// <summary>The name of the meter the server's instruments are on: connections, requests by API and their durations,
    /// bytes in and out, records produced per topic, refused connections and produce errors.</summary>
    public const string MeterName = "Herald.Server";

    private readonly HeraldServerOptions _options;
    private readonly ServerMetrics _metrics = new();
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _sync = new();
    private readonly Dictionary<KafkaConnection, Task> _connections = [];
    private Socket? _listener;
    private Task _accepting = Task.CompletedTask;
    private EmbeddedLog? _log;
    private IRequestHandler? _handler;
    private Internal.Sasl.ServerCredentials? _credentials;
    private GroupCoordinator? _groups;
    private GroupStore? _groupStore;
    private bool _stopped;

    /// <summary>Creates a server; nothing is opened until <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="HeraldServerOptions.Validate"/>).</exception>
    public HeraldServer(HeraldServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Herald.Server");
    }

    /// <summary>Gets the address the server listens on (the port chosen when port 0 was asked for).</summary>
    /// <exception cref="InvalidOperationException">The server has not started.</exception>
    public IPEndPoint LocalEndPoint => (IPEndPoint?)_listener?.LocalEndPoint ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>Gets the <c>host:port</c> the server tells clients to connect to.</summary>
    public string AdvertisedAddress => _options.Advertise ?? $"{LocalEndPoint.Address}:{LocalEndPoint.Port}";

    /// <summary>Gets the embedded log served.</summary>
    /// <exception cref="InvalidOperationException">The server has not started.</exception>
    public EmbeddedLog Log => _log ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>Returns what keeps the server from serving everything: not listening, a partition that failed to write
    /// or was found damaged. Empty when healthy.</summary>
    public IReadOnlyList<string> GetProblems()
    {
        if (_log is null || _stopped)
        {
            return [_stopped ? "the server has stopped" : "the server has not started"];
        }

        var problems = new List<string>();
        foreach (var damage in _log.Damaged)
        {
            problems.Add($"partition {damage.PartitionName} is damaged: {damage.Problem}");
        }

        foreach (var topic in _log.Topics)
        {
            foreach (var partition in topic.Partitions)
            {
                if (partition.Failure is { } failure)
                {
                    problems.Add($"partition {topic.Name}-{partition.Id} failed and accepts no appends: {failure.Message}");
                }
            }
        }

        return problems;
    }

    /// <summary>Opens the data directory (recovering it as the embedded log does) and starts listening.</summary>
    /// <exception cref="LogDirectoryLockedException">Another process has the data directory open.</exception>
    /// <exception cref="SocketException">The address is in use or cannot be listened on.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_stopped, this);
        if (_listener is not null)
        {
            throw new InvalidOperationException("The server has started already.");
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Herald applications keep their dead letters and schedules in these; the log's default retention would delete them.
        foreach (var name in StateTopic.HeraldTopics)
        {
            _options.Log.Topics.TryAdd(name, StateTopic.Options);
        }

        _log = EmbeddedLog.Open(_options.DataDirectory, _options.Log);
        var listener = new Socket(_options.Listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(_options.Listen);
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            _log.Dispose();
            _log = null;
            throw;
        }

        _listener = listener;
        _groupStore = GroupStore.Open(_log, _logger);
        _groups = new GroupCoordinator(_options, _logger, _groupStore);
        _groups.Load();
        _handler = new KafkaRequestHandler(_log, _options, _groups, () => AdvertisedAddress, _metrics, _logger);
        _credentials = _options.Users.Count > 0 ? new Internal.Sasl.ServerCredentials(new Dictionary<string, string>(_options.Users, StringComparer.Ordinal)) : null;
        _accepting = AcceptAsync(listener);
        var (local, advertised) = (LocalEndPoint.ToString(), AdvertisedAddress);
        ServerLog.Started(_logger, local, advertised, _log.Directory);
        return Task.CompletedTask;
    }

    /// <summary>Stops accepting, lets each connection finish the request it is serving (a produce is answered once durable
    /// or failed), closes the connections, flushes committed offsets and the groups' last stable generations, and releases
    /// the data directory.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task[] running;
        lock (_sync)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            running = [.. _connections.Values];
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // After the connections: a JoinGroup or SyncGroup still waiting ended with its connection; the timers stop here.
        _groups?.Dispose();
        if (_groupStore is not null)
        {
            // The last stable generations reach the disk before the log closes.
            await _groupStore.DisposeAsync().ConfigureAwait(false);
        }

        if (_log is not null)
        {
            _log.Groups.Flush();
            await _log.DisposeAsync().ConfigureAwait(false);
            ServerLog.Stopped(_logger, running.Length, _log.Directory);
        }

        _stopping.Dispose();
        _metrics.Dispose();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task AcceptAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                // A connection reset before it was accepted, or the process ran out of descriptors: keep serving.
                ServerLog.AcceptFailed(_logger, e);
                await Task.Delay(TimeSpan.FromMilliseconds(100), _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            lock (_sync)
            {
                if (_stopped)
                {
                    socket.Dispose();
                    return;
                }

                if (_connections.Count >= _options.MaxConnections)
                {
                    // Closed at once: idle or hostile sockets cannot pile up past the limit.
                    var remote = socket.RemoteEndPoint?.ToString() ?? "unknown";
                    socket.Dispose();
                    _metrics.Refused();
                    ServerLog.FrameRefused(_logger, remote, $"MaxConnections ({_options.MaxConnections}) connections are open");
                    continue;
                }

                var connection = new KafkaConnection(socket, _handler!, _options, _credentials, _metrics, _logger);
                _connections[connection] = ServeAsync(connection);
            }
        }
    }

    private async Task ServeAsync(KafkaConnection connection)
    {
        await Task.Yield();
        try
        {
            await connection.RunAsync(_stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            lock (_sync)
            {
                _connections.Remove(connection);
            }
        }
    }
}
