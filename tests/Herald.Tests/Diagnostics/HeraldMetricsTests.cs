using Herald.Consuming;
using Herald.Consuming.Ordering;
using Herald.Publishing;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Diagnostics;

[Collection(DiagnosticsTestGroup.Name)]
public sealed class HeraldMetricsTests
{
    private const string Topic = "messaging.destination.name";
    private const string Group = "messaging.consumer.group.name";

    [Fact]
    public async Task Workload_FiftyPublishesTwoGroups_SentAndConsumedCountersMatch()
    {
        using var metrics = new MetricsCapture();
        await using var harness = HeraldTestHarness.Create(
            h => h.AddHandler<IgnoreHandler<Metered>>("billing").AddHandler<IgnoreHandler<Metered>>("audit"),
            s => s.AddMetrics());

        for (var i = 0; i < 50; i++)
        {
            await harness.PublishAsync(new Metered(i));
        }

        await harness.ProcessPendingAsync();

        Assert.Equal(50, metrics.Sum("messaging.client.sent.messages", (Topic, "diag.metered"), ("messaging.system", "herald.inmemory"), ("messaging.operation.name", "send")));
        Assert.Equal(50, metrics.Sum("messaging.client.consumed.messages", (Topic, "diag.metered"), (Group, "billing")));
        Assert.Equal(50, metrics.Sum("messaging.client.consumed.messages", (Topic, "diag.metered"), (Group, "audit")));
        Assert.Equal(50, metrics.HistogramCount("messaging.client.operation.duration", (Topic, "diag.metered"), ("messaging.operation.type", "send")));
        Assert.Equal(100, metrics.HistogramCount("messaging.process.duration", (Topic, "diag.metered"), ("messaging.operation.name", "process")));
        Assert.Empty(metrics.Collect("messaging.process.duration", (Topic, "diag.metered"), ("error.type", "System.InvalidOperationException")));
    }

    [Fact]
    public async Task ReorderKeys_IdleKeysEvicted_KeysGaugeDropsAndEvictedCounterCounts()
    {
        using var metrics = new MetricsCapture();
        await using var harness = HeraldTestHarness.Create(
            h => h.AddHandler<IgnoreHandler<Sequenced>>("sequencer")
                .ConfigureGroup("sequencer", g => g.Reorder = new ReorderOptions { KeyIdleTimeout = TimeSpan.FromMinutes(1) }),
            s => s.AddMetrics());
        foreach (var key in new[] { "a", "b", "c" })
        {
            await harness.PublishAsync(new Sequenced(key), new PublishOptions { PartitionKey = key, Sequence = 1 });
        }

        await harness.ProcessPendingAsync();
        Assert.Equal(3, metrics.GaugeSum("herald.consumer.reorder.keys", (Group, "sequencer"), (Topic, "diag.sequenced")));
        Assert.Equal(0, metrics.Sum("herald.consumer.reorder.evicted_keys", (Group, "sequencer")));

        await harness.AdvanceTimeAsync(TimeSpan.FromMinutes(2));
        await harness.PublishAsync(new Sequenced("d"), new PublishOptions { PartitionKey = "d", Sequence = 1 });
        await harness.ProcessPendingAsync();

        Assert.Equal(1, metrics.GaugeSum("herald.consumer.reorder.keys", (Group, "sequencer")));
        Assert.Equal(3, metrics.Sum("herald.consumer.reorder.evicted_keys", (Group, "sequencer"), (Topic, "diag.sequenced")));
    }

    [Fact]
    public async Task LagGauge_BacklogThenDrained_ReportsBacklogThenZero()
    {
        using var metrics = new MetricsCapture();
        await using var harness = HeraldTestHarness.Create(h => h.AddHandler<IgnoreHandler<Lagged>>("lagger"));

        for (var i = 0; i < 20; i++)
        {
            await harness.PublishAsync(new Lagged(i));
        }

        var before = metrics.Collect("herald.consumer.lag", (Topic, "diag.lagged"), (Group, "lagger"));
        Assert.Equal(20, before.Sum(p => p.GetGaugeLastValueLong()));
        Assert.All(before, p => Assert.True(MetricsCapture.Tags(p).ContainsKey("messaging.destination.partition.id")));

        await harness.ProcessPendingAsync();

        Assert.Equal(0, metrics.GaugeSum("herald.consumer.lag", (Topic, "diag.lagged"), (Group, "lagger")));
    }

    [Fact]
    public async Task HandlerFails_NoRetries_ErrorTypeDeadLetterCounterAndPendingGauge()
    {
        using var metrics = new MetricsCapture();
        await using var harness = HeraldTestHarness.Create(h => h
            .AddHandler<ThrowHandler<Failing>>("fragile")
            .ConfigureGroup("fragile", g => g.DelayedRetries = 0));

        await harness.PublishAsync(new Failing(1));
        await harness.ProcessPendingAsync();

        Assert.Equal(1, metrics.HistogramCount("messaging.process.duration", (Topic, "diag.failing"), (Group, "fragile"), ("error.type", "System.InvalidOperationException")));
        Assert.Equal(1, metrics.Sum("herald.consumer.dead_lettered", (Topic, "diag.failing"), (Group, "fragile"), ("herald.dead_letter.reason", "handler-failed")));
        Assert.Equal(1, metrics.GaugeSum("herald.dead_letter.pending", (Topic, "diag.failing"), (Group, "fragile")));
    }

    [Fact]
    public async Task HandlerFailsOnce_DelayedRetry_RedeliveryCounted()
    {
        using var metrics = new MetricsCapture();
        await using var harness = HeraldTestHarness.Create(h => h
            .AddHandler<ThrowHandler<Retried>>("retrying")
            .ConfigureGroup("retrying", g => g.DelayedRetries = 1));

        await harness.PublishAsync(new Retried(1));
        await harness.ProcessPendingAsync();
        await harness.AdvanceTimeAsync(TimeSpan.FromMinutes(5));

        Assert.Equal(1, metrics.Sum("herald.consumer.redeliveries", (Topic, "diag.retried"), (Group, "retrying")));
        Assert.Equal(2, metrics.Sum("messaging.client.consumed.messages", (Topic, "diag.retried"), (Group, "retrying")));
        Assert.Equal(1, metrics.Sum("herald.consumer.dead_lettered", (Topic, "diag.retried"), (Group, "retrying")));
    }

    [Fact]
    public async Task RepeatedFailures_CircuitOpens_StateGaugeReportsOpen()
    {
        using var metrics = new MetricsCapture();
        await using var harness = HeraldTestHarness.Create(h => h
            .AddHandler<ThrowHandler<Broken>>("breaker-group")
            .ConfigureGroup("breaker-group", g => g.CircuitBreaker = new CircuitBreakerOptions { MinimumThroughput = 3, BreakDuration = TimeSpan.FromSeconds(30) }));

        for (var i = 0; i < 5; i++)
        {
            await harness.PublishAsync(new Broken(i));
        }

        await harness.ProcessPendingAsync();

        var state = Assert.Single(metrics.Collect("herald.consumer.circuit.state", (Topic, "diag.broken"), (Group, "breaker-group")));
        Assert.Equal(1, state.GetGaugeLastValueLong());
        // Events fetched after the circuit opened go back untouched: only the three handler calls were consumed.
        Assert.Equal(3, metrics.Sum("messaging.client.consumed.messages", (Topic, "diag.broken"), (Group, "breaker-group")));
    }
}
