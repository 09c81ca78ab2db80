using System.Collections.Concurrent;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Log;
using Herald.Transports.Partitioned;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Transports.Embedded;

/// <summary>
/// The default transport: Herald.Log, a durable partitioned log in a local data directory. Events are appended to the
/// partition their key chooses and acknowledged once on disk; consumer groups keep durable committed offsets, so a
/// restarted application resumes where it stopped.
/// </summary>
/// <remarks>
/// One process at a time may open a data directory; a second gets <see cref="LogDirectoryLockedException"/>. Consumer
/// groups run on the partitioned-consumer kernel (<see cref="PartitionedTransport"/>); a failed event's redelivery
/// schedule is kept in the log, so a restart continues it. A batch publish costs one append, and one fsync, per
/// partition it touches; a partition that fails its write or fsync fails the call with <see cref="LogFailedException"/>,
/// and a damaged one (<see cref="LogCorruptedException"/>) refuses the batch before any other partition takes its part.
/// </remarks>
public sealed partial class EmbeddedLogTransport : PartitionedTransport, ITransport, IDisposable, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, LogTopic> _topics = new(StringComparer.Ordinal);
    private readonly Lock _topicCreation = new();
    private readonly StateTopic _deadLetters;
    private readonly StateTopic _retries;
    private readonly StateTopic _sequences;
    private readonly RetryStates _retryStates;
    private readonly EmbeddedDeadLetterStore _deadLetterStore;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly EventLimits _limits;
    private readonly bool _ownsLog;

    /// <summary>Opens the log in the options' data directory, recovering it, and logs any torn tail it truncated and any damaged partition.</summary>
    /// <remarks>
    /// A damaged partition does not stop the application: it is logged with the command that repairs it, reported by the
    /// health check and the <c>herald.log.partitions.damaged</c> gauge, refuses the events published to it, and is not
    /// consumed; every other partition serves.
    /// </remarks>
    /// <param name="options">Where the log keeps its data and how it stores topics. Default: <see cref="EmbeddedLogTransportOptions"/>'s defaults.</param>
    /// <param name="timeProvider">The clock. Default: the system's.</param>
    /// <param name="logger">Where recovery, damage and failures are logged.</param>
    /// <param name="limits">The limits a record read is held to: one over them is dead-lettered unread
    /// (<see cref="DeadLetterReason.TooLarge"/>). Default: <see cref="EventLimits"/>'s defaults; Herald's host passes <see cref="HeraldOptions.Limits"/>.</param>
    /// <exception cref="LogDirectoryLockedException">Another process has the data directory open.</exception>
    /// <exception cref="InvalidOperationException">A limit is out of range.</exception>
    public EmbeddedLogTransport(EmbeddedLogTransportOptions? options = null, TimeProvider? timeProvider = null, ILogger<EmbeddedLogTransport>? logger = null, EventLimits? limits = null)
        : this(Open(options ?? new EmbeddedLogTransportOptions()), ownsLog: true, timeProvider, logger, limits)
    {
        foreach (var recovery in Log.Recoveries)
        {
            TailTruncated(_logger, recovery.FileName, recovery.Position, recovery.TruncatedBytes, recovery.Reason);
        }

        foreach (var damage in Log.Damaged)
        {
            PartitionDamaged(_logger, damage.PartitionName, damage.FileName, damage.Position, damage.Problem, damage.RepairCommand(Log.Directory));
        }

        foreach (var entry in Log.SkippedEntries)
        {
            EntrySkipped(_logger, entry);
        }

        Opened(_logger, Log.Directory, Log.Topics.Count);
    }

    /// <summary>Creates a transport over a log that something else in the process opened and keeps, such as a <c>HeraldServer</c>.</summary>
    /// <remarks>
    /// The log stays its opener's: disposing the transport leaves it open, and what its open found (torn tails, damage) is
    /// the opener's to report. Herald's state topics (dead letters, redelivery schedules, sequence positions) are created
    /// with their first change rather than here, so a transport that only reads leaves the log as it found it.
    /// </remarks>
    /// <param name="log">The open log.</param>
    /// <param name="timeProvider">The clock. Default: the system's.</param>
    /// <param name="logger">Where partition failures are logged.</param>
    /// <param name="limits">The limits a record read is held to. Default: <see cref="EventLimits"/>'s defaults.</param>
    /// <returns>The transport, to dispose before the log is.</returns>
    /// <exception cref="InvalidOperationException">A limit is out of range.</exception>
    public static EmbeddedLogTransport Attach(EmbeddedLog log, TimeProvider? timeProvider = null, ILogger<EmbeddedLogTransport>? logger = null, EventLimits? limits = null) =>
        new(log ?? throw new ArgumentNullException(nameof(log)), ownsLog: false, timeProvider, logger, limits);

    private EmbeddedLogTransport(EmbeddedLog log, bool ownsLog, TimeProvider? timeProvider, ILogger<EmbeddedLogTransport>? logger, EventLimits? limits)
        : base(timeProvider)
    {
        _limits = limits ?? new EventLimits();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<EmbeddedLogTransport>.Instance;
        _ownsLog = ownsLog;
        Log = log;
        try
        {
            _limits.Validate();
            foreach (var name in StateTopic.HeraldTopics)
            {
                Log.Options.Topics.TryAdd(name, StateTopic.Options);
            }

            _deadLetters = OpenState(EmbeddedDeadLetterStore.TopicName);
            _retries = OpenState(RetryStates.TopicName);
            _sequences = OpenState(EmbeddedSequencePositions.TopicName);
        }
        catch
        {
            if (ownsLog)
            {
                Log.Dispose();
            }

            throw;
        }

        _retryStates = new RetryStates(_retries);
        _deadLetterStore = new EmbeddedDeadLetterStore(_deadLetters, _logger);
        SequencePositions = new EmbeddedSequencePositions(_sequences, _timeProvider);
        Log.PartitionFailed += OnPartitionFailed;
        Log.PartitionDamaged += OnPartitionDamaged;

        StateTopic OpenState(string name) => ownsLog ? StateTopic.Open(Log, name, _timeProvider) : StateTopic.OpenExisting(Log, name, _timeProvider);
    }

    /// <summary>The log topic that holds the dead letters: one compacted partition, kept until removed.</summary>
    public const string DeadLetterTopic = EmbeddedDeadLetterStore.TopicName;

    /// <inheritdoc />
    public string MessagingSystem => "herald.embedded";

    /// <summary>Gets the dead-letter queues of the consumer groups on this log.</summary>
    public IDeadLetterStore DeadLetterStore => _deadLetterStore;

    /// <summary>Gets the consumer groups' sequence positions per partition key, for reorder buffers.</summary>
    public ISequencePositionStore SequencePositions { get; }

    /// <summary>Gets the log underneath, for tools and tests.</summary>
    public EmbeddedLog Log { get; }

    /// <inheritdoc/>
    protected override int GetPartitionCount(string topic) => Topic(topic).Partitions.Count;

    /// <inheritdoc/>
    protected override ValueTask AppendAsync(string topic, int partition, EventEnvelope envelope, CancellationToken cancellationToken) =>
        Acknowledged(Topic(topic).Partitions[partition].AppendAsync(EnvelopeRecords.ToRecord(envelope), cancellationToken));

    /// <inheritdoc/>
    /// <remarks>One member of the log's group serves the whole process and holds every partition (the data directory's
    /// lock keeps other processes out); leaving flushes its commits to disk.</remarks>
    protected override ValueTask<PartitionGroupSource> OpenGroupAsync(string topic, string group, CancellationToken cancellationToken)
    {
        var member = Log.Groups.Join(topic, group);
        return new(PartitionGroupSource.ForEveryPartition(
            partition => new EmbeddedLogCursor(member.Assignment.Partitions.First(p => p.Partition.Id == partition), member, _retryStates, _limits),
            member.Dispose));
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default)
    {
        if (!Log.TryGetTopic(topic, out var logTopic))
        {
            return new((IReadOnlyList<PartitionLag>?)[]);
        }

        var lags = new PartitionLag[logTopic.Partitions.Count];
        foreach (var partition in logTopic.Partitions)
        {
            var committed = Math.Max(Log.Groups.GetCommittedOffset(group, topic, partition.Id), partition.StartOffset);

            // A damaged partition's end is unknown until it is repaired: it reports no lag rather than a made-up one.
            lags[partition.Id] = new PartitionLag(partition.Id, partition.Damage is null ? partition.EndOffset : committed, committed);
        }

        return new(lags);
    }

    /// <summary>Returns the events of <paramref name="topic"/> that <paramref name="group"/> has not committed yet.</summary>
    public long GetBacklog(string topic, string group) => Log.Groups.GetLag(group, topic);

    /// <summary>Flushes committed offsets and closes the log, unless it was opened elsewhere (then it stays open).</summary>
    public void Dispose()
    {
        Log.PartitionFailed -= OnPartitionFailed;
        Log.PartitionDamaged -= OnPartitionDamaged;
        if (_ownsLog)
        {
            Log.Dispose();
        }

        _deadLetters.Dispose();
        _retries.Dispose();
        _sequences.Dispose();
        _deadLetterStore.Dispose();
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => new(Task.Run(Dispose));

    private static EmbeddedLog Open(EmbeddedLogTransportOptions options)
    {
        // Herald's own topics: one partition each, the state ones compacted and kept until removed.
        foreach (var name in StateTopic.HeraldTopics)
        {
            options.Log.Topics.TryAdd(name, StateTopic.Options);
        }
        return EmbeddedLog.Open(options.DataDirectory, options.Log);
    }

    private void OnPartitionFailed(LogPartition partition, Exception exception) => PartitionFailed(_logger, exception, partition.Topic, partition.Id);

    private void OnPartitionDamaged(LogDamage damage) => PartitionDamaged(_logger, damage.PartitionName, damage.FileName, damage.Position, damage.Problem, damage.RepairCommand(Log.Directory));

    private LogTopic Topic(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, "topic");
        if (_topics.TryGetValue(name, out var topic))
        {
            return topic;
        }

        lock (_topicCreation)
        {
            // Herald's redrive topics carry few events: one partition each instead of the default.
            if (name.StartsWith(DeadLetterQueues.RedriveTopicPrefix, StringComparison.Ordinal) && !Log.Options.Topics.ContainsKey(name))
            {
                var options = Log.Options.DefaultTopic.Clone();
                options.Partitions = 1;
                Log.Options.Topics[name] = options;
            }

            return _topics.GetOrAdd(name, Log.GetOrCreateTopic(name));
        }
    }

    [LoggerMessage(20, LogLevel.Information, "Embedded log opened in {Directory} with {Topics} topic(s)")]
    private static partial void Opened(ILogger logger, string directory, int topics);

    [LoggerMessage(21, LogLevel.Warning, "Embedded log recovery truncated a torn tail of {File} at byte {Position} ({Bytes} bytes cut: {Reason})")]
    private static partial void TailTruncated(ILogger logger, string file, long position, long bytes, string reason);

    [LoggerMessage(23, LogLevel.Critical, "Embedded log partition {Partition} is damaged and serves nothing until repaired: '{File}' at byte {Position}: {Problem} Stop the application and run: {RepairCommand}")]
    private static partial void PartitionDamaged(ILogger logger, string partition, string file, long position, string problem, string repairCommand);

    [LoggerMessage(24, LogLevel.Warning, "Embedded log skipped {Entry}: it belongs to no topic of the data directory")]
    private static partial void EntrySkipped(ILogger logger, string entry);

    [LoggerMessage(22, LogLevel.Critical, "Embedded log partition {Topic}-{Partition} failed to write or fsync and accepts no more events; restart the application to recover")]
    private static partial void PartitionFailed(ILogger logger, Exception exception, string topic, int partition);
}
