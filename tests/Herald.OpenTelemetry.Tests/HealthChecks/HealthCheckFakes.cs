using System.Data.Common;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Inbox;
using Herald.Outbox;
using Herald.Transports;

namespace Herald.OpenTelemetry.Tests.HealthChecks;

/// <summary>A transport whose broker is unreachable: every operation throws.</summary>
internal sealed class UnreachableTransport : ITransport
{
    public string MessagingSystem => "test.unreachable";

    public IDeadLetterStore DeadLetterStore { get; } = new InMemoryDeadLetterStore();

    public ISequencePositionStore? SequencePositions => null;

    public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
        throw new IOException("broker unreachable");

    public ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default) =>
        throw new IOException("broker unreachable");

    public ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default) =>
        throw new IOException("broker unreachable");

    public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
        throw new IOException("broker unreachable");
}

/// <summary>An outbox store that reports fixed statistics.</summary>
internal sealed class FixedOutboxStore(OutboxStatistics statistics) : IOutboxStore
{
    public ValueTask AddAsync(DbTransaction transaction, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<IReadOnlyList<OutboxRecord>> ClaimAsync(string relayId, int maxCount, TimeSpan lease, CancellationToken cancellationToken) =>
        new((IReadOnlyList<OutboxRecord>)[]);

    public ValueTask MarkDispatchedAsync(string relayId, IReadOnlyList<long> ids, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask QuarantineAsync(string relayId, long id, string reason, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<int> DeleteDispatchedAsync(DateTimeOffset dispatchedBefore, int batchSize, CancellationToken cancellationToken) => new(0);

    public ValueTask<OutboxStatistics> GetStatisticsAsync(CancellationToken cancellationToken) => new(statistics);
}

/// <summary>An inbox store whose database is gone.</summary>
internal sealed class BrokenInboxStore : IInboxStore
{
    public ValueTask<bool> TryRecordAsync(DbTransaction transaction, string consumerGroup, string idempotencyKey, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("database is locked");

    public ValueTask<int> DeleteOlderThanAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("database is locked");
}

/// <summary>A transport that answers the health check itself, unhealthy, and would fail a lag query.</summary>
internal sealed class SelfReportingTransport : ITransport, ITransportHealth
{
    private readonly UnreachableTransport _inner = new();

    public string MessagingSystem => "test.self-reporting";

    public IDeadLetterStore DeadLetterStore => _inner.DeadLetterStore;

    public ISequencePositionStore? SequencePositions => null;

    public TransportHealth CheckHealth() => TransportHealth.Unhealthy("partition 3 refuses events: restart the application");

    public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
        _inner.SendManyAsync(topic, envelopes, cancellationToken);

    public ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default) =>
        _inner.SendAsync(topic, envelope, cancellationToken);

    public ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default) =>
        _inner.ListenAsync(topic, group, cancellationToken);

    public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
        _inner.GetLagAsync(topic, group, cancellationToken);
}
