using System.Collections.Concurrent;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Nats.Internal;
using Herald.Transports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Herald.Nats;

/// <summary>Moves events through NATS JetStream: a file-backed stream per topic, a durable pull consumer per consumer group and partition.</summary>
/// <remarks>
/// <para><b>Layout.</b> Topic <c>t</c> is stream <c>herald_t</c> with subjects <c>herald.t.&lt;partition&gt;</c>; an event
/// goes to partition <c>murmur2(partition key) % PartitionsPerTopic</c> (as the in-memory transport, the embedded log and
/// Kafka), keyless events round-robin. Group <c>g</c> has one durable pull consumer per partition, <c>g_P&lt;n&gt;</c>,
/// filtered to that partition's subject, with explicit acks and no <c>MaxDeliver</c>: Herald's pipeline counts the
/// attempts and dead-letters (ADR 0009), the server never drops an event. Names are escaped (<c>.</c> becomes
/// <c>_2E</c>) so Herald's <c>__herald.redrive.&lt;group&gt;.&lt;topic&gt;</c> topics get a stream of their own that only
/// that group consumes.</para>
/// <para><b>Guarantees.</b> A completed <see cref="SendAsync"/> has the server's PubAck: the event is on disk (on a
/// quorum with <see cref="NatsTransportOptions.Replicas"/> 3). The event id is the <c>Nats-Msg-Id</c>, so a republish
/// within <see cref="NatsTransportOptions.DuplicateWindow"/> is dropped. Delivery is at-least-once: completion is an
/// ack, a redelivery is a NAK with the delay, kept by the server across restarts. Per-key order holds among all the
/// members of a group, in this process and in others: a process takes a partition only with its lease in the key-value
/// bucket <see cref="NatsTransportOptions.LeaseBucket"/>, and gives a lease up only after handing back, in order, what it
/// held.</para>
/// <para><b>Not guaranteed.</b> The partitions of a process that dies wait <see cref="NatsTransportOptions.LeaseDuration"/>
/// for another process, and what it held comes back after <see cref="NatsTransportOptions.AckWait"/>. Offsets are stream sequences:
/// increasing within a partition but not contiguous. Retry bookkeeping that JetStream lacks (attempts that do not count,
/// the first failure time) is kept in process, so after a restart <c>DeliveryCount</c> may be higher than the attempts
/// made. A group that joins reads the stream from its start. Streams keep events without limit; set retention on the
/// server.</para>
/// </remarks>
public sealed class NatsTransport : ITransport, IAsyncDisposable
{
    private readonly NatsTransportOptions _options;
    private readonly NatsConnection? _ownedConnection;
    private readonly NatsJSContext _jetStream;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly EventLimits _limits;
    private readonly ConcurrentDictionary<string, Lazy<Task<NatsTopic>>> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Topic, string Group), Lazy<Task<NatsGroup>>> _groups = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly NatsBucket _leases;
    private readonly string _process = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<(string Topic, string Group), NatsCachedRead<IReadOnlyList<PartitionLag>?>> _lags = new();
    private int _roundRobin;
    private long _lagReadings;

    /// <summary>Creates a transport; it connects on first use.</summary>
    /// <param name="options">The server, the streams and the buckets. Default: <see cref="NatsTransportOptions"/>'s defaults.</param>
    /// <param name="timeProvider">The clock. Default: the system's.</param>
    /// <param name="logger">Hears of messages that are not CloudEvents or are over the limits, which go to the group's dead letters.</param>
    /// <param name="limits">The limits a delivered message is held to: one over them is dead-lettered unread
    /// (<see cref="DeadLetterReason.TooLarge"/>). Default: <see cref="EventLimits"/>'s defaults; <c>UseNats</c> passes <see cref="HeraldOptions.Limits"/>.</param>
    /// <exception cref="InvalidOperationException">A limit is out of range.</exception>
    public NatsTransport(NatsTransportOptions? options = null, TimeProvider? timeProvider = null, ILogger<NatsTransport>? logger = null, EventLimits? limits = null)
    {
        _limits = limits ?? new EventLimits();
        _limits.Validate();
        _options = (options ?? new NatsTransportOptions()).Validated();
        var connection = _options.Connection ?? (_ownedConnection = new NatsConnection(new NatsOpts { Url = _options.Url, Name = "herald" }));
        _jetStream = new NatsJSContext(connection);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        DeadLetterStore = new NatsDeadLetterStore(_jetStream, _options, _timeProvider, _logger);
        SequencePositions = new NatsSequencePositionStore(_jetStream, _options);
        _leases = new NatsBucket(_jetStream, _options.LeaseBucket, _options.Replicas, _options.LeaseDuration);
    }

    /// <summary>Gets <c>nats</c>, the OpenTelemetry semantic conventions' name of the broker.</summary>
    public string MessagingSystem => "nats";

    /// <summary>Gets the dead-letter store: the JetStream key-value bucket <see cref="NatsTransportOptions.DeadLetterBucket"/>.</summary>
    public IDeadLetterStore DeadLetterStore { get; }

    /// <summary>Gets the reorder buffers' positions per key: the JetStream key-value bucket <see cref="NatsTransportOptions.SequenceBucket"/>.</summary>
    public ISequencePositionStore SequencePositions { get; }

    /// <inheritdoc />
    public async ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var t = await TopicAsync(topic, cancellationToken);
        var partition = envelope.PartitionKey is { } key
            ? KeyPartitioner.Partition(key, t.PartitionCount)
            : (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)t.PartitionCount);
        var ack = await _jetStream.PublishAsync(
            t.Subject(partition),
            envelope.Data.ToArray(),
            opts: new NatsJSPubOpts { MsgId = envelope.EventId },
            headers: NatsEnvelopeCodec.ToHeaders(envelope),
            cancellationToken: cancellationToken);
        // A duplicate (the same event id within DuplicateWindow, an outbox republishing) is stored already: a success.
        if (!ack.Duplicate)
        {
            ack.EnsureSuccess();
        }
    }

    /// <summary>Publishes a batch through <see cref="ConcurrentSends"/>: concurrent acknowledged publishes, each key's in order.</summary>
    public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
        ConcurrentSends.SendAsync(this, topic, envelopes, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        var t = await TopicAsync(topic, cancellationToken);
        var lazy = _groups.GetOrAdd((topic, group), key => new(() => CreateGroupAsync(t, key.Group)));
        try
        {
            return (await lazy.Value.WaitAsync(cancellationToken)).Join();
        }
        catch when (lazy.Value.IsFaulted)
        {
            _groups.TryRemove(new((topic, group), lazy));
            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>Per partition: the consumer's ack floor as the committed offset, and <c>NumPending + NumAckPending</c>
    /// events after it. One consumer-info request per partition, shared by the callers within
    /// <see cref="NatsTransportOptions.LagCacheDuration"/> of a reading.</remarks>
    public async ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        var t = await TopicAsync(topic, cancellationToken);
        var reading = _lags.GetOrAdd((topic, group), key => new(() => ReadLagAsync(t, key.Topic, key.Group), _timeProvider, _options.LagCacheDuration));
        return await reading.GetAsync(cancellationToken);
    }

    /// <summary>Gets how many lag readings went to the server: one consumer-info request per partition each.</summary>
    internal long LagReadings => Interlocked.Read(ref _lagReadings);

    // Runs uncancelled by any one caller (NatsCachedRead shares it); the transport's closing ends it.
    private async Task<IReadOnlyList<PartitionLag>?> ReadLagAsync(NatsTopic t, string topic, string group)
    {
        Interlocked.Increment(ref _lagReadings);
        var cancellationToken = _closing.Token;
        var lags = new PartitionLag[t.PartitionCount];
        StreamInfo? stream = null;
        for (var p = 0; p < lags.Length; p++)
        {
            try
            {
                var info = (await _jetStream.GetConsumerAsync(t.Stream, NatsNames.Consumer(group, p), cancellationToken)).Info;
                var committed = (long)info.AckFloor.StreamSeq;
                lags[p] = new PartitionLag(p, committed + (long)info.NumPending + info.NumAckPending, committed);
            }
            catch (NatsJSApiException e) when (e.Error.Code == 404)
            {
                // A group that never joined is behind by every event of the partition.
                stream ??= (await _jetStream.GetStreamAsync(t.Stream, new StreamInfoRequest { SubjectsFilter = NatsNames.SubjectWildcard(_options, topic) }, cancellationToken)).Info;
                var count = stream.State.Subjects is { } subjects && subjects.TryGetValue(t.Subject(p), out var n) ? n : 0;
                lags[p] = new PartitionLag(p, (long)count, 0);
            }
        }

        return lags;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        var groups = _groups.Values.Where(g => g.IsValueCreated && g.Value.IsCompletedSuccessfully).Select(g => g.Value.Result.CloseAsync());
        // Leases are given up while the connection is open, so other processes take the partitions over at once.
        await Task.WhenAll(groups).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _closing.Dispose();
        if (_ownedConnection is not null)
        {
            await _ownedConnection.DisposeAsync();
        }
    }

    private async Task<NatsTopic> TopicAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, "topic");
        var lazy = _topics.GetOrAdd(name, n => new(() => CreateTopicAsync(n)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch when (lazy.Value.IsFaulted)
        {
            // A failed creation (server down) is retried by the next call rather than cached.
            _topics.TryRemove(new(name, lazy));
            throw;
        }
    }

    private async Task<NatsTopic> CreateTopicAsync(string name)
    {
        var topic = new NatsTopic(_jetStream, _options, name, DeadLetterStore, _timeProvider, _logger, _limits, _closing.Token);
        await _jetStream.CreateOrUpdateStreamAsync(new StreamConfig(topic.Stream, [NatsNames.SubjectWildcard(_options, name)])
        {
            Storage = StreamConfigStorage.File,
            Retention = StreamConfigRetention.Limits,
            Discard = StreamConfigDiscard.Old,
            DuplicateWindow = _options.DuplicateWindow,
            NumReplicas = _options.Replicas,
        });
        return topic;
    }

    private async Task<NatsGroup> CreateGroupAsync(NatsTopic topic, string group)
    {
        var creates = new Task[topic.PartitionCount];
        for (var p = 0; p < creates.Length; p++)
        {
            var name = NatsNames.Consumer(group, p);
            creates[p] = _jetStream.CreateOrUpdateConsumerAsync(topic.Stream, new ConsumerConfig(name)
            {
                DurableName = name,
                FilterSubject = topic.Subject(p),
                AckPolicy = ConsumerConfigAckPolicy.Explicit,
                DeliverPolicy = ConsumerConfigDeliverPolicy.All,
                AckWait = _options.AckWait,
                // Unlimited: Herald's pipeline decides when an event is dead-lettered, after DelayedRetries.
                MaxDeliver = -1,
                MaxAckPending = _options.MaxInFlightPerPartition * 4L,
                NumReplicas = _options.Replicas,
            }).AsTask();
        }

        await Task.WhenAll(creates);
        return new NatsGroup(topic, group, _leases, _process);
    }
}
