using System.Collections.Concurrent;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Nats.Internal;
using Herald.Transports;
using Herald.Transports.Partitioned;
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
/// Kafka), keyless events round-robin (a keyless batch to one partition). Consumer groups run on the partitioned-consumer
/// kernel (<see cref="PartitionedTransport"/>). Group <c>g</c> has one durable pull consumer per partition, <c>g_P&lt;n&gt;</c>,
/// filtered to that partition's subject, with explicit acks and no <c>MaxDeliver</c>: Herald's pipeline counts the
/// attempts and dead-letters (ADR 0009), the server never drops an event. Names are escaped (<c>.</c> becomes
/// <c>_2E</c>) so Herald's <c>__herald.redrive.&lt;group&gt;.&lt;topic&gt;</c> topics get a stream of their own that only
/// that group consumes.</para>
/// <para><b>Guarantees.</b> A completed <see cref="PartitionedTransport.SendAsync"/> has the server's PubAck: the event is on disk (on a
/// quorum with <see cref="NatsTransportOptions.Replicas"/> 3). The event id is the <c>Nats-Msg-Id</c>, so a republish
/// within <see cref="NatsTransportOptions.DuplicateWindow"/> is dropped. Delivery is at-least-once: the group's position
/// in a partition is acked, in order, with the server's confirmation; a redelivery re-reads what the process holds after
/// the delay, and what was not acked comes again after a restart. Per-key order holds among all the
/// members of a group, in this process and in others: a process takes a partition only with its lease in the key-value
/// bucket <see cref="NatsTransportOptions.LeaseBucket"/>, and gives a lease up only after handing back, in order, what it
/// held.</para>
/// <para><b>Not guaranteed.</b> The partitions of a process that dies wait <see cref="NatsTransportOptions.LeaseDuration"/>
/// for another process, and what it held comes back after <see cref="NatsTransportOptions.AckWait"/>. Offsets are stream sequences:
/// increasing within a partition but not contiguous. The retry schedule (delay, attempts, first failure) is kept in process, so after a
/// restart a failed event comes again at once with <c>DeliveryCount</c> 1. A group that joins reads the stream from its start. Streams keep events without limit; set retention on the
/// server.</para>
/// </remarks>
public sealed class NatsTransport : BrokerTransport, ITransport, IAsyncDisposable
{
    private readonly NatsTransportOptions _options;
    private readonly NatsConnection? _ownedConnection;
    private readonly NatsJSContext _jetStream;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly EventLimits _limits;
    private readonly ConcurrentDictionary<string, Lazy<Task<NatsTopic>>> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<NatsGroupSource, byte> _groups = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly NatsBucket _leases;
    private readonly string _process = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<(string Topic, string Group), SharedRead<IReadOnlyList<PartitionLag>?>> _lags = new();
    private long _lagReadings;

    /// <summary>Creates a transport; it connects on first use.</summary>
    /// <param name="options">The server, the streams and the buckets. Default: <see cref="NatsTransportOptions"/>'s defaults.</param>
    /// <param name="timeProvider">The clock. Default: the system's.</param>
    /// <param name="logger">Hears of messages that are not CloudEvents or are over the limits, which the pipeline dead-letters.</param>
    /// <param name="limits">The limits a delivered message is held to: one over them is dead-lettered unread
    /// (<see cref="DeadLetterReason.TooLarge"/>). Default: <see cref="EventLimits"/>'s defaults; <c>UseNats</c> passes <see cref="HeraldOptions.Limits"/>.</param>
    /// <exception cref="InvalidOperationException">A limit is out of range.</exception>
    public NatsTransport(NatsTransportOptions? options = null, TimeProvider? timeProvider = null, ILogger<NatsTransport>? logger = null, EventLimits? limits = null)
        : base(timeProvider)
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

    /// <summary>Gets how many lag readings went to the server: one consumer-info request per partition each.</summary>
    internal long LagReadings => Interlocked.Read(ref _lagReadings);

    /// <inheritdoc />
    /// <remarks>Per partition: the consumer's ack floor as the committed offset, and <c>NumPending + NumAckPending</c>
    /// events after it. One consumer-info request per partition, shared by the callers within
    /// <see cref="NatsTransportOptions.LagCacheDuration"/> of a reading.</remarks>
    public async ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        var t = await TopicAsync(topic, cancellationToken).ConfigureAwait(false);
        var reading = _lags.GetOrAdd((topic, group), key => new(() => ReadLagAsync(t, key.Topic, key.Group), _timeProvider, _options.LagCacheDuration));
        return await reading.GetAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        // Leases are given up while the connection is open, so other processes take the partitions over at once.
        await Task.WhenAll(_groups.Keys.Select(g => g.CloseAsync())).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _closing.Dispose();
        if (_ownedConnection is not null)
        {
            await _ownedConnection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override int GetPartitionCount(string topic) => _options.PartitionsPerTopic;

    /// <inheritdoc />
    protected override async ValueTask AppendAsync(string topic, int partition, EventEnvelope envelope, CancellationToken cancellationToken) =>
        await PublishAsync(await TopicAsync(topic, cancellationToken).ConfigureAwait(false), partition, envelope, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>Creates the group's durable consumers, one per partition; the group's leases decide which of them this process reads.</remarks>
    protected override async ValueTask<PartitionGroupSource> OpenGroupAsync(string topic, string group, CancellationToken cancellationToken)
    {
        var t = await TopicAsync(topic, cancellationToken).ConfigureAwait(false);
        var creates = new Task[t.PartitionCount];
        for (var p = 0; p < creates.Length; p++)
        {
            var name = NatsNames.Consumer(group, p);
            creates[p] = _jetStream.CreateOrUpdateConsumerAsync(t.Stream, new ConsumerConfig(name)
            {
                DurableName = name,
                FilterSubject = t.Subject(p),
                AckPolicy = ConsumerConfigAckPolicy.Explicit,
                DeliverPolicy = ConsumerConfigDeliverPolicy.All,
                AckWait = _options.AckWait,
                // Unlimited: Herald's pipeline decides when an event is dead-lettered, after DelayedRetries.
                MaxDeliver = -1,
                MaxAckPending = _options.MaxInFlightPerPartition * 4L,
                NumReplicas = _options.Replicas,
            }, cancellationToken).AsTask();
        }

        await Task.WhenAll(creates).ConfigureAwait(false);
        var source = new NatsGroupSource(t, group, _leases, _process, closed => _groups.TryRemove(closed, out _));
        _groups[source] = 0;
        return source;
    }

    private async Task PublishAsync(NatsTopic topic, int partition, EventEnvelope envelope, CancellationToken cancellationToken)
    {
        var ack = await _jetStream.PublishAsync(
            topic.Subject(partition),
            envelope.Data.ToArray(),
            opts: new NatsJSPubOpts { MsgId = envelope.EventId },
            headers: NatsEnvelopeCodec.ToHeaders(envelope),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        // A duplicate (the same event id within DuplicateWindow, an outbox republishing) is stored already: a success.
        if (!ack.Duplicate)
        {
            ack.EnsureSuccess();
        }
    }

    // Runs uncancelled by any one caller (SharedRead shares it); the transport's closing ends it.
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
                var info = (await _jetStream.GetConsumerAsync(t.Stream, NatsNames.Consumer(group, p), cancellationToken).ConfigureAwait(false)).Info;
                var committed = (long)info.AckFloor.StreamSeq;
                lags[p] = new PartitionLag(p, committed + (long)info.NumPending + info.NumAckPending, committed);
            }
            catch (NatsJSApiException e) when (e.Error.Code == 404)
            {
                // A group that never joined is behind by every event of the partition.
                stream ??= (await _jetStream.GetStreamAsync(t.Stream, new StreamInfoRequest { SubjectsFilter = NatsNames.SubjectWildcard(_options, topic) }, cancellationToken).ConfigureAwait(false)).Info;
                var count = stream.State.Subjects is { } subjects && subjects.TryGetValue(t.Subject(p), out var n) ? n : 0;
                lags[p] = new PartitionLag(p, (long)count, 0);
            }
        }

        return lags;
    }

    private async Task<NatsTopic> TopicAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, "topic");
        var lazy = _topics.GetOrAdd(name, n => new(() => CreateTopicAsync(n)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
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
        var topic = new NatsTopic(_jetStream, _options, name, _timeProvider, _logger, _limits, _closing.Token);
        await _jetStream.CreateOrUpdateStreamAsync(new StreamConfig(topic.Stream, [NatsNames.SubjectWildcard(_options, name)])
        {
            Storage = StreamConfigStorage.File,
            Retention = StreamConfigRetention.Limits,
            Discard = StreamConfigDiscard.Old,
            DuplicateWindow = _options.DuplicateWindow,
            NumReplicas = _options.Replicas,
        }).ConfigureAwait(false);
        return topic;
    }
}
