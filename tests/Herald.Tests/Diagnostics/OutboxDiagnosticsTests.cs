using System.Data.Common;
using System.Diagnostics;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Outbox;
using Herald.Testing;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Tests.Diagnostics;

[Collection(DiagnosticsTestGroup.Name)]
public sealed class OutboxDiagnosticsTests
{
    private const string Topic = "diag.outboxed";

    [Fact]
    public async Task RelaySend_RowWrittenInsideASpan_SendSpanIsItsChildAndEnvelopeCarriesSendContext()
    {
        using var source = new ActivitySource("Herald.Tests.Outbox");
        using var traces = new TracesCapture(source.Name);
        var transport = new RecordingTransport();
        var store = new OneRowStore();
        using (var request = source.StartActivity("POST /orders"))
        {
            Assert.NotNull(request);
            store.Row = new OutboxRecord(1, Topic, Envelope(request.Id), DateTimeOffset.UnixEpoch, 1);
        }

        var relay = new OutboxRelay(store, transport, new OutboxOptions(), TimeProvider.System, NullLogger.Instance);
        Assert.Equal(1, await relay.RelayOnceAsync(CancellationToken.None));

        var send = Assert.Single(traces.On(Topic));
        Assert.Equal("send " + Topic, send.DisplayName);
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal(ActivityTraceId.CreateFromString(store.Row.Envelope.TraceParent.AsSpan(3, 32)), send.TraceId);
        Assert.Equal(store.Row.Envelope.TraceParent![36..52], send.ParentSpanId.ToHexString());
        Assert.Equal(send.Id, Assert.Single(transport.Sent).TraceParent);
    }

    [Fact]
    public async Task OutboxRegistered_GaugesReportStatisticsAndRelaySendsAreCounted()
    {
        using var metrics = new MetricsCapture();
        var store = new OneRowStore { Row = new OutboxRecord(1, "diag.outbox-metered", Envelope(null), DateTimeOffset.UnixEpoch, 1) };
        await using var harness = HeraldTestHarness.Create(h => h.UseOutbox(_ => store));

        await harness.Services.GetRequiredService<OutboxRelay>().RelayOnceAsync(CancellationToken.None);

        Assert.Equal(1, metrics.Sum("messaging.client.sent.messages", ("messaging.destination.name", "diag.outbox-metered")));
        Assert.Contains(metrics.Collect("herald.outbox.pending"), p => p.GetGaugeLastValueLong() == 3);
        Assert.Contains(metrics.Collect("herald.outbox.oldest_age"), p => p.GetGaugeLastValueDouble() == 42);
    }

    [Fact]
    public async Task RelayQuarantinesUnreadableRow_CounterTaggedWithErrorTypeAndGaugeReportsQuarantinedRows()
    {
        using var metrics = new MetricsCapture();
        var unreadable = OutboxRecord.Unreadable(7, "diag.outbox-quarantined", "k", new EventFormatException("not a CloudEvent"), DateTimeOffset.UnixEpoch, 1);
        var store = new OneRowStore { Row = unreadable };
        await using var harness = HeraldTestHarness.Create(h => h.UseOutbox(_ => store));

        Assert.Equal(0, await harness.Services.GetRequiredService<OutboxRelay>().RelayOnceAsync(CancellationToken.None));

        var (id, reason) = Assert.Single(store.Quarantined);
        Assert.Equal(7, id);
        Assert.Equal("Herald.Events.EventFormatException: not a CloudEvent", reason);
        Assert.Equal(1, metrics.Sum("herald.outbox.quarantined", ("messaging.destination.name", "diag.outbox-quarantined"), ("error.type", typeof(EventFormatException).FullName!)));
        Assert.Contains(metrics.Collect("herald.outbox.quarantine.pending"), p => p.GetGaugeLastValueLong() == 2);
    }

    private static EventEnvelope Envelope(string? traceParent) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        EventType = "diag.outboxed",
        Timestamp = DateTimeOffset.UnixEpoch,
        Source = "tests",
        CorrelationId = "c-1",
        TraceParent = traceParent,
        Data = "{}"u8.ToArray(),
    };

    private sealed class RecordingTransport : ITransport
    {
        public List<EventEnvelope> Sent { get; } = [];

        public string MessagingSystem => "test.recording";

        public IDeadLetterStore DeadLetterStore { get; } = new InMemoryDeadLetterStore();

        public ISequencePositionStore? SequencePositions => null;

        public ValueTask SendManyAsync(string topic, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken = default) =>
            ConcurrentSends.SendAsync(this, topic, envelopes, cancellationToken);

        public ValueTask<IReadOnlyList<PartitionLag>?> GetLagAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            new((IReadOnlyList<PartitionLag>?)null);

        public ValueTask SendAsync(string topic, EventEnvelope envelope, CancellationToken cancellationToken = default)
        {
            Sent.Add(envelope);
            return ValueTask.CompletedTask;
        }

        public ValueTask<ITransportListener> ListenAsync(string topic, string group, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }

    /// <summary>Hands out one row once; reports fixed statistics.</summary>
    private sealed class OneRowStore : IOutboxStore
    {
        private int _claimed;

        public OutboxRecord Row { get; set; } = null!;

        public ValueTask AddAsync(DbTransaction transaction, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<IReadOnlyList<OutboxRecord>> ClaimAsync(string relayId, int maxCount, TimeSpan lease, CancellationToken cancellationToken) =>
            new(Interlocked.Exchange(ref _claimed, 1) == 0 ? [Row] : []);

        public ValueTask MarkDispatchedAsync(string relayId, IReadOnlyList<long> ids, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public List<(long Id, string Reason)> Quarantined { get; } = [];

        public ValueTask QuarantineAsync(string relayId, long id, string reason, CancellationToken cancellationToken)
        {
            Quarantined.Add((id, reason));
            return ValueTask.CompletedTask;
        }

        public ValueTask<int> DeleteDispatchedAsync(DateTimeOffset dispatchedBefore, int batchSize, CancellationToken cancellationToken) => new(0);

        public ValueTask<OutboxStatistics> GetStatisticsAsync(CancellationToken cancellationToken) => new(new OutboxStatistics(3, TimeSpan.FromSeconds(42), 2));
    }
}
