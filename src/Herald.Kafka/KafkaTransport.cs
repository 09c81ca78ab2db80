using System.Collections.Concurrent;
using Confluent.Kafka;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Kafka.Internal;
using Herald.Transports;
using Herald.Transports.Partitioned;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Kafka;

/// <summary>Moves events through Apache Kafka, or any broker that speaks its protocol (<c>herald serve</c>, Redpanda,
/// Confluent Cloud, MSK), with Confluent.Kafka (librdkafka).</summary>
/// <remarks>
/// <para><b>Layout.</b> A Herald topic is the Kafka topic of the same name, created when missing with
/// <see cref="KafkaTransportOptions.Partitions"/> (see <see cref="KafkaTransportOptions.CreateTopics"/>). A record's key is
/// the event's partition key and its partition is Kafka's murmur2 of the key modulo the topic's partition count, the
/// partition Kafka's Java producer (and librdkafka with <c>partitioner=murmur2_random</c>) chooses; keyless events go
/// round-robin (a keyless batch to one partition). Events travel in CloudEvents binary mode with the Kafka binding's
/// headers (<c>ce_*</c>, <c>content-type</c>), as the embedded log stores them.</para>
/// <para><b>Consumer groups.</b> A Herald consumer group is the Kafka consumer group of the same name: each process runs
/// one Kafka consumer per group and topic (cooperative-sticky assignment by default) and spreads the partitions the
/// coordinator gives it over the group's members in the process (the partitioned-consumer kernel,
/// <see cref="PartitionedTransport"/>). A completed event's offset is stored, in offset order and never past an unsettled
/// event, and committed every <see cref="KafkaTransportOptions.CommitInterval"/>; a partition revoked in a rebalance stops
/// handing out events, finishes those in flight (up to <see cref="KafkaTransportOptions.RevocationTimeout"/>) and its
/// completed position is committed before the revocation completes. A redelivery re-reads the records the process holds
/// from the failed one on, after its delay, so a key's order holds through retries.</para>
/// <para><b>Guarantees.</b> A completed <see cref="SendAsync"/> has the broker's acknowledgement from every in-sync
/// replica (the producer is idempotent: a retried send is stored once). Delivery is at-least-once: what was completed
/// but not yet committed when a process dies comes again. Per-key order holds across the group's processes: a partition
/// has one owner at a time.</para>
/// <para><b>Not guaranteed.</b> The retry schedule (delay, attempts, first failure) is kept in process, so after a restart
/// a failed event comes again at once with <c>DeliveryCount</c> 1. Reorder positions are not kept
/// (<see cref="SequencePositions"/> is <see langword="null"/>). Partitions added to a topic while a process runs are
/// consumed by it only after a restart.</para>
/// </remarks>
public sealed class KafkaTransport : BrokerTransport, ITransport, IAsyncDisposable
{
    private readonly KafkaTransportOptions _options;
    private readonly KafkaClients _clients;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly EventLimits _limits;
    private readonly Lazy<IProducer<byte[]?, byte[]?>> _producer;
    private readonly Lazy<IConsumer<byte[]?, byte[]?>> _reader;
    private readonly Lazy<KafkaTopics> _topics;
    private readonly KafkaDeadLetterStore _deadLetters;
    private readonly ConcurrentDictionary<(string Topic, string Group), KafkaGroupSource> _groups = new();
    private readonly ConcurrentDictionary<(string Topic, string Group), SharedRead<IReadOnlyList<PartitionLag>?>> _lags = new();
    private readonly CancellationTokenSource _closing = new();
    private Task _warmingUp = Task.CompletedTask;

    /// <summary>Creates a transport; it connects on first use.</summary>
    /// <param name="options">The brokers, the topics, the clients' settings. Default: <see cref="KafkaTransportOptions"/>'s defaults.</param>
    /// <param name="timeProvider">The clock. Default: the system's.</param>
    /// <param name="logger">Hears of the clients' logs and errors, rebalances, and records that are not CloudEvents or are over the limits.</param>
    /// <param name="limits">The limits a consumed record is held to: one over them is dead-lettered unread
    /// (<see cref="DeadLetterReason.TooLarge"/>). Default: <see cref="EventLimits"/>'s defaults; <c>UseKafka</c> passes <see cref="HeraldOptions.Limits"/>.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">A limit is out of range.</exception>
    public KafkaTransport(KafkaTransportOptions? options = null, TimeProvider? timeProvider = null, ILogger<KafkaTransport>? logger = null, EventLimits? limits = null)
        : base(timeProvider)
    {
        _limits = limits ?? new EventLimits();
        _limits.Validate();
        _options = (options ?? new KafkaTransportOptions()).Validated();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _clients = new KafkaClients(_options, _logger, _timeProvider);
        _producer = new(_clients.BuildProducer);
        _reader = new(() => _clients.BuildReader("metadata"));
        _topics = new(() => new KafkaTopics(new DependentAdminClientBuilder(_reader.Value.Handle).Build(), _options));
        _deadLetters = new KafkaDeadLetterStore(new KafkaStateTopic(_options.DeadLetterTopic, _options.DeadLetterTopicConfigs, _clients, () => _topics.Value, () => _producer.Value), _options, _timeProvider, _logger);
    }

    /// <summary>Gets <c>kafka</c>, the OpenTelemetry semantic conventions' name of the broker.</summary>
    public string MessagingSystem => "kafka";

    /// <summary>Gets the dead-letter store: the topic <see cref="KafkaTransportOptions.DeadLetterTopic"/>, keyed by group and
    /// dead-letter id, holding the same JSON as the embedded log's.</summary>
    public IDeadLetterStore DeadLetterStore => _deadLetters;

    /// <summary>Gets <see langword="null"/>: the transport keeps no reorder positions; a group with <c>Reorder</c> needs an
    /// <see cref="ISequencePositionStore"/> registered by the application.</summary>
    public ISequencePositionStore? SequencePositions => null;

    /// <inheritdoc cref="PartitionedTransport.SendAsync"/>
    /// <remarks>Looks the topic up (creating it when allowed) on its first use by this transport.</remarks>
    public new ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default) =>
        Known(topic) ? base.SendAsync(topic, envelope, cancellationToken) : SendSlowAsync(topic, envelope, cancellationToken);

    /// <inheritdoc cref="PartitionedTransport.SendManyAsync"/>
    public new ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
        Known(topic) ? base.SendManyAsync(topic, envelopes, cancellationToken) : SendManySlowAsync(topic, envelopes, cancellationToken);

    /// <inheritdoc cref="PartitionedTransport.ListenAsync"/>
    /// <remarks>The first member of a group in this process starts its Kafka consumer, which joins the Kafka group of the
    /// same name; events arrive once the coordinator has assigned partitions. A group without committed offsets starts at
    /// the earliest event the topic holds.</remarks>
    public new async ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        await EnsureTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        return await base.ListenAsync(topic, group, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Per partition: the group's committed offset (this process's latest position for the partitions it holds)
    /// and the partition's end offset; a group that never committed is behind by every event the partition holds. One
    /// offsets request to the group coordinator and one watermark query per partition, shared by the callers within
    /// <see cref="KafkaTransportOptions.LagCacheDuration"/> of a reading.</remarks>
    public async ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        var count = await EnsureTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        var reading = _lags.GetOrAdd((topic, group), key => new(() => Task.Run(() => ReadLagAsync(key.Topic, key.Group, count)), _timeProvider, _options.LagCacheDuration));
        return await reading.GetAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the producer in the background, so that the first publish does not wait for it to connect and get
    /// its idempotent producer id (librdkafka asks again 500 ms after a first attempt made before any broker connection).</summary>
    /// <remarks><c>UseKafka</c> calls it when the host starts; the call returns at once and never fails (a broker that is
    /// down is reported by the first publish and by the client's log).</remarks>
    internal void StartProducer()
    {
        if (!_closing.IsCancellationRequested && !_producer.IsValueCreated)
        {
            _warmingUp = Task.Run(() => _ = _producer.Value);
        }
    }

    /// <inheritdoc />
    /// <remarks>Every group's consumer hands its partitions back, commits what was completed and leaves its Kafka group;
    /// then the producer delivers what it still holds (up to 10 seconds) and the clients close.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (_closing.IsCancellationRequested)
        {
            return;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_groups.Values.Select(g => g.Stopped)).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _deadLetters.Dispose();
        await _warmingUp.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_producer.IsValueCreated)
        {
            await Task.Run(() => _producer.Value.Flush(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
            _producer.Value.Dispose();
        }

        if (_topics.IsValueCreated)
        {
            _topics.Value.Dispose();
        }

        if (_reader.IsValueCreated)
        {
            _reader.Value.Dispose();
        }

        _closing.Dispose();
    }

    /// <inheritdoc />
    protected override int GetPartitionCount(string topic) =>
        _topics.Value.TryGetCount(topic, out var count) ? count : throw new InvalidOperationException($"Topic '{topic}' was not looked up before use.");

    /// <inheritdoc />
    protected override async ValueTask AppendAsync(string topic, int partition, EventEnvelope envelope, CancellationToken cancellationToken) =>
        await _producer.Value.ProduceAsync(new TopicPartition(topic, partition), KafkaRecords.ToMessage(envelope), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override ValueTask<PartitionGroupSource> OpenGroupAsync(string topic, string group, CancellationToken cancellationToken)
    {
        var source = new KafkaGroupSource(topic, group, _clients, _limits, _timeProvider, _logger, closed => _groups.TryRemove(new((closed.Topic, closed.Group), closed)), _closing.Token);
        _groups[(topic, group)] = source;
        return new(source);
    }

    private bool Known(string topic) => topic is not null && _topics.Value.TryGetCount(topic, out _);

    private async ValueTask SendSlowAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken)
    {
        await EnsureTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        await base.SendAsync(topic, envelope, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask SendManySlowAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken)
    {
        await EnsureTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        await base.SendManyAsync(topic, envelopes, cancellationToken).ConfigureAwait(false);
    }

    private Task<int> EnsureTopicAsync(string topic, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ObjectDisposedException.ThrowIf(_closing.IsCancellationRequested, this);
        // Redrive topics carry few events, to one group: one partition each, as on the embedded log.
        var partitions = topic.StartsWith(DeadLetterQueues.RedriveTopicPrefix, StringComparison.Ordinal) ? 1 : _options.Partitions;
        return _topics.Value.EnsureAsync(topic, partitions, _options.TopicConfigs, cancellationToken);
    }

    private async Task<IReadOnlyList<PartitionLag>?> ReadLagAsync(string topic, string group, int count)
    {
        var partitions = Enumerable.Range(0, count).Select(p => new TopicPartition(topic, p)).ToList();
        var committed = await _topics.Value.Admin.ListConsumerGroupOffsetsAsync([new(group, partitions)]).ConfigureAwait(false);
        var offsets = committed[0].Partitions.ToDictionary(p => p.Partition.Value, p => p.Offset.Value);
        _groups.TryGetValue((topic, group), out var local);
        var lags = new PartitionLag[count];
        foreach (var tp in partitions)
        {
            var p = tp.Partition.Value;
            var watermarks = _reader.Value.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(15));
            var position = offsets.GetValueOrDefault(p, -1);
            if (local is not null && local.Cursors.TryGetValue(p, out var cursor))
            {
                // This process's position is newer than the last commit, which goes out every CommitInterval.
                position = Math.Max(position, cursor.Committed);
            }

            // A group that never committed reads from the earliest event the partition holds.
            lags[p] = new PartitionLag(p, watermarks.High.Value, position >= 0 ? position : watermarks.Low.Value);
        }

        return lags;
    }
}
