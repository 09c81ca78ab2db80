using System.Collections.Concurrent;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.RabbitMQ.Internal;
using Herald.Transports;
using Herald.Transports.Partitioned;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Herald.RabbitMQ;

/// <summary>Moves events through RabbitMQ: a durable direct exchange per topic, quorum queues per consumer group and partition.</summary>
/// <remarks>
/// <para><b>Topology.</b> A topic is the direct exchange <see cref="RabbitMQNames.Exchange"/>; a group that listens declares
/// <see cref="RabbitMQTransportOptions.Partitions"/> quorum queues (<see cref="RabbitMQNames.Queue"/>) with a single active consumer,
/// bound with routing key <c>p&lt;n&gt;</c>. An event goes to <c>p&lt;murmur2(partition key) mod Partitions&gt;</c> (round-robin
/// without a key); one no queue takes waits in the topic's <c>:unrouted</c> queue for the first group that binds.</para>
/// <para><b>Publishing.</b> Persistent messages with publisher confirms, in CloudEvents binary mode with the AMQP binding's
/// names: an awaited <see cref="PartitionedTransport.SendAsync"/> means every bound quorum queue has the event.</para>
/// <para><b>Consuming.</b> The partitioned-consumer kernel (<see cref="PartitionedTransport"/>) runs the group. A process
/// consumes a partition while it holds the partition's lock (an exclusive queue), taking shares in proportion to its
/// members every <see cref="RabbitMQTransportOptions.RebalanceInterval"/>. Deliveries are held unacknowledged and numbered
/// as offsets; a delivery is acknowledged once the group commits past it. Delivery counts and redelivery delays live in
/// this process's memory. A message that is not a readable CloudEvent (or is over the limits) is handed to the group in
/// its place with its raw body and headers, a warning logged, and the pipeline dead-letters it in order.</para>
/// <para><b>Dead letters</b> are kept in a durable stream (<see cref="DeadLetterStore"/>). The connection recovers by itself;
/// unacknowledged deliveries come again (at-least-once). Thread-safe; one per application. See docs/architecture.md.</para>
/// </remarks>
public sealed class RabbitMQTransport : BrokerTransport, ITransport, IAsyncDisposable
{
    // A topic's exchange (Group null) or a group's queues, each declared once.
    private readonly ConcurrentDictionary<(string Topic, string? Group), Lazy<Task>> _declared = new();
    private readonly ConcurrentDictionary<(string Topic, string Group), RabbitMQGroupSource> _groups = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly RabbitMQTransportOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly bool _ownsConnection;
    private IConnection? _connection;
    private IChannel? _publisher;
    private volatile bool _recovering;
    private readonly RabbitMQDeadLetterStore _deadLetters;
    private readonly QueueDepths _queueDepths;
    private readonly ILogger _logger;
    private readonly EventLimits _limits;

    /// <summary>Creates a transport that connects to the broker on first use.</summary>
    /// <param name="options">The broker and the topology. Default: <see cref="RabbitMQTransportOptions"/>'s defaults.</param>
    /// <param name="timeProvider">The clock. Default: the system's.</param>
    /// <param name="logger">Hears of messages that are not CloudEvents or are over the limits, which go to the group's dead letters.</param>
    /// <param name="limits">The limits a delivered message is held to: one over them is dead-lettered unread
    /// (<see cref="DeadLetterReason.TooLarge"/>). Default: <see cref="EventLimits"/>'s defaults; <c>UseRabbitMQ</c> passes <see cref="HeraldOptions.Limits"/>.</param>
    /// <exception cref="InvalidOperationException">A limit is out of range.</exception>
    public RabbitMQTransport(RabbitMQTransportOptions? options = null, TimeProvider? timeProvider = null, ILogger<RabbitMQTransport>? logger = null, EventLimits? limits = null)
        : this(null, options, timeProvider, logger, limits)
    {
    }

    /// <summary>Creates a transport over a connection someone else owns (tests share one).</summary>
    internal RabbitMQTransport(IConnection? connection, RabbitMQTransportOptions? options, TimeProvider? timeProvider, ILogger? logger = null, EventLimits? limits = null)
        : base(timeProvider)
    {
        _limits = limits ?? new EventLimits();
        _limits.Validate();
        _logger = logger ?? NullLogger.Instance;
        _options = options ?? new RabbitMQTransportOptions();
        _options.Validate();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _connection = connection is null ? null : Watched(connection);
        _ownsConnection = connection is null;
        _deadLetters = new RabbitMQDeadLetterStore(ConnectionAsync, RabbitMQNames.DeadLetterStream(_options.NamePrefix), _logger);
        _queueDepths = new QueueDepths(ConnectionAsync, _options, _timeProvider);
    }

    /// <summary>Gets the options the transport was created with.</summary>
    internal RabbitMQTransportOptions Options => _options;

    /// <summary>Gets the consumer groups' dead letters, kept in the durable stream <c>&lt;prefix&gt;__herald.dead-letters</c>.</summary>
    /// <remarks>Read from the stream's start at first use and tailed after, so every process sees every group's letters.</remarks>
    public IDeadLetterStore DeadLetterStore => _deadLetters;

    /// <summary>Gets <c>rabbitmq</c>, the OpenTelemetry semantic conventions' name of the broker.</summary>
    public string MessagingSystem => "rabbitmq";

    /// <summary>Gets <see langword="null"/>: RabbitMQ has no key-value store to keep reorder positions in.</summary>
    /// <remarks>A consumer group with <see cref="Consuming.ConsumerGroupOptions.Reorder"/> on this transport needs an
    /// <see cref="ISequencePositionStore"/> registered in the application's services; without one the host refuses to start.</remarks>
    public ISequencePositionStore? SequencePositions => null;

    /// <inheritdoc />
    protected override int GetPartitionCount(string topic) => _options.Partitions;

    /// <inheritdoc />
    protected override async ValueTask AppendAsync(string topic, int partition, EventEnvelope envelope, CancellationToken cancellationToken) =>
        await PublishAsync(await DeclareExchangeAsync(topic, cancellationToken).ConfigureAwait(false), partition, envelope, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override async ValueTask<PartitionGroupSource> OpenGroupAsync(string topic, string group, CancellationToken cancellationToken)
    {
        // Checked before anything is declared: the longest name the group needs (a lock) validates topic, group and length.
        _ = RabbitMQNames.Lock(_options.NamePrefix, topic, group, _options.Partitions - 1);
        var exchange = await DeclareExchangeAsync(topic, cancellationToken).ConfigureAwait(false);
        await DeclareAsync(topic, group, channel => DeclareQueuesAsync(channel, exchange, topic, group), cancellationToken).ConfigureAwait(false);
        // After the group's queues are bound, so what was published before any group listened reaches this one.
        await UnroutedEvents.DrainAsync(await ConnectionAsync(cancellationToken).ConfigureAwait(false), exchange,
            (routingKey, properties, body, token) => PublishAsync(exchange, routingKey, properties, body, token), cancellationToken).ConfigureAwait(false);
        var source = new RabbitMQGroupSource(ConnectionAsync, _options, topic, group, _timeProvider, _logger, _limits, s => _groups.TryRemove(new((s.Topic, s.Group), s)));
        _groups[(topic, group)] = source;
        return source;
    }

    /// <summary>Returns, per partition queue, the messages ready plus those this process's members hold unsettled.</summary>
    /// <remarks>RabbitMQ has no offsets: <see cref="PartitionLag.CommittedOffset"/> is 0 and <see cref="PartitionLag.EndOffset"/> the
    /// count; other processes' unacknowledged deliveries are not counted. <see langword="null"/> when the group has no queues.
    /// The ready counts are one reading shared within <see cref="RabbitMQTransportOptions.LagCacheDuration"/>.</remarks>
    public async ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default)
    {
        if (await _queueDepths.GetAsync(topic, group, cancellationToken).ConfigureAwait(false) is not { } depths)
        {
            return null;
        }

        _groups.TryGetValue((topic, group), out var local);
        return [.. depths.Select((ready, partition) => new PartitionLag(partition, ready + (local?.Unsettled(partition) ?? 0), 0))];
    }

    /// <summary>Gets how many lag readings went to the broker: a channel and one passive queue declaration per partition each.</summary>
    internal long LagReadings => _queueDepths.Reads;

    /// <summary>Closes the publishing channel and, unless it was handed in, the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        // The locks go with the leases' connections, so other processes take the partitions over at once.
        await Task.WhenAll(_groups.Values.Select(g => g.CloseLeasesAsync())).ConfigureAwait(false);
        await _deadLetters.DisposeAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _publisher, null) is { } publisher)
        {
            await publisher.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownsConnection && Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the exchanges and queues this transport declared, with their messages; for tests on a shared broker.</summary>
    internal async Task DeleteTopologyAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var channelDisposal = channel.ConfigureAwait(false);
        await channel.QueueDeleteAsync(_deadLetters.Stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var topic in _declared.Keys.Select(k => k.Topic).Distinct())
        {
            var groups = _declared.Keys.Where(k => k.Topic == topic && k.Group is not null).Select(k => k.Group!);
            await RabbitMQTopology.DeleteAsync(channel, _options.NamePrefix, topic, groups, _options.Partitions, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<string> DeclareExchangeAsync(string topic, CancellationToken cancellationToken)
    {
        var exchange = RabbitMQNames.Exchange(_options.NamePrefix, topic);
        await DeclareAsync(topic, null, channel => UnroutedEvents.DeclareTopicAsync(channel, ConnectionAsync, exchange), cancellationToken).ConfigureAwait(false);
        return exchange;
    }

    private Task PublishAsync(string exchange, int partition, EventEnvelope envelope, CancellationToken cancellationToken) =>
        PublishAsync(exchange, RabbitMQNames.RoutingKey(partition), EnvelopeMessages.Properties(envelope), envelope.Data, cancellationToken);

    /// <summary>Publishes to the topic's exchange; what no queue takes is kept in the topic's unrouted queue.</summary>
    private async Task PublishAsync(string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        await UnroutedEvents.PublishAsync(await PublisherAsync(cancellationToken).ConfigureAwait(false), exchange, routingKey, properties, body, cancellationToken).ConfigureAwait(false);

    private async Task DeclareQueuesAsync(IChannel channel, string exchange, string topic, string group)
    {
        // One consumer per partition at a time, the others waiting: that keeps each key in order across processes.
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = "quorum", ["x-single-active-consumer"] = true };
        for (var partition = 0; partition < _options.Partitions; partition++)
        {
            var queue = RabbitMQNames.Queue(_options.NamePrefix, topic, group, partition);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments).ConfigureAwait(false);
            await channel.QueueBindAsync(queue, exchange, RabbitMQNames.RoutingKey(partition)).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a declaration once per transport, on a channel of its own (a refused declaration closes its channel).</summary>
    private async Task DeclareAsync(string topic, string? group, Func<IChannel, Task> declare, CancellationToken cancellationToken)
    {
        var once = _declared.GetOrAdd((topic, group), _ => new Lazy<Task>(async () =>
        {
            var connection = await ConnectionAsync(CancellationToken.None).ConfigureAwait(false);
            var channel = await connection.CreateChannelAsync().ConfigureAwait(false);
            await using var channelDisposal = channel.ConfigureAwait(false);
            await declare(channel).ConfigureAwait(false);
        }));
        try
        {
            await once.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (once.Value.IsFaulted)
        {
            _declared.TryRemove(new((topic, group), once));
            throw;
        }
    }

    private async ValueTask<IChannel> PublisherAsync(CancellationToken cancellationToken)
    {
        if (_publisher is { IsOpen: true } open)
        {
            return open;
        }

        // Taken before the gate, which ConnectionAsync takes too when there is no connection yet.
        var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_recovering)
            {
                // The client is recovering the connection and the publisher with it: a new channel would fail, or race the recovery.
                var reason = connection.CloseReason;
                throw new AlreadyClosedException(new ShutdownEventArgs(reason?.Initiator ?? ShutdownInitiator.Library, reason?.ReplyCode ?? 0,
                    $"The connection to RabbitMQ is down and the client is reconnecting (closed by {reason?.Initiator.ToString() ?? "an unknown party"}: {reason?.ReplyText ?? "no reason given"}); the event was not published: publish it again once the broker is back (the outbox relay retries by itself)."));
            }

            if (_publisher is { IsClosed: true } closed)
            {
                // Closed by a channel error on an open connection: nothing recovers it, so open a new one.
                await closed.DisposeAsync().ConfigureAwait(false);
                _publisher = null;
            }

            // No limiter on outstanding confirms (the constructor's default, said explicitly): the callers' awaits bound them,
            // and the client's throttling limiter would delay publishes by up to a second and fail them beyond its queue.
            return _publisher ??= await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
                    outstandingPublisherConfirmationsRateLimiter: null), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<IConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is { } connection)
        {
            return connection;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _connection ??= Watched(await CreateConnectionFactory(_options).CreateConnectionAsync(_options.ClientName, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            _gate.Release();
        }
    }

    // From a connection loss until the client has recovered the connection and its channels.
    private IConnection Watched(IConnection connection)
    {
        connection.ConnectionShutdownAsync += (_, e) =>
        {
            _recovering = e.Initiator != ShutdownInitiator.Application;
            return Task.CompletedTask;
        };
        connection.RecoverySucceededAsync += (_, _) =>
        {
            _recovering = false;
            return Task.CompletedTask;
        };
        return connection;
    }

    /// <summary>Returns the client factory the transport connects with: automatic connection and topology recovery on.</summary>
    internal static ConnectionFactory CreateConnectionFactory(RabbitMQTransportOptions options) => new()
    {
        Uri = options.Uri,
        AutomaticRecoveryEnabled = true,
        TopologyRecoveryEnabled = true,
        NetworkRecoveryInterval = options.NetworkRecoveryInterval,
        ClientProvidedName = options.ClientName,
    };
}
