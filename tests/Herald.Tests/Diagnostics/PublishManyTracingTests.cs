using System.Diagnostics;
using Herald.Events;
using Herald.Testing;

namespace Herald.Tests.Diagnostics;

[Collection(DiagnosticsTestGroup.Name)]
public sealed class PublishManyTracingTests
{
    [Event("diag.batched")]
    public sealed record Batched(int Number);

    [Fact]
    public async Task PublishManyAsync_EachEventHasItsOwnSendSpan_AllChildrenOfTheCaller()
    {
        using var traces = new TracesCapture("diag.batch-caller");
        using var source = new ActivitySource("diag.batch-caller");
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<Batched>());

        IReadOnlyList<EventEnvelope> envelopes;
        string callerSpanId;
        using (var caller = source.StartActivity("checkout")!)
        {
            callerSpanId = caller.SpanId.ToHexString();
            envelopes = await harness.PublishManyAsync([new Batched(1), new Batched(2), new Batched(3)]);
            Assert.Same(caller, Activity.Current);
        }

        var sends = traces.On("diag.batched");
        Assert.Equal(3, sends.Count);
        Assert.All(sends, s => Assert.Equal(callerSpanId, s.ParentSpanId.ToHexString()));
        Assert.Equal(envelopes.Select(e => e.TraceParent).Order(StringComparer.Ordinal), sends.Select(s => s.Id).Order(StringComparer.Ordinal));
        Assert.Equal(envelopes.Select(e => e.EventId).Order(StringComparer.Ordinal), sends.Select(s => (string)s.GetTagItem("messaging.message.id")!).Order(StringComparer.Ordinal));
        Assert.All(sends, s => Assert.Equal(ActivityStatusCode.Unset, s.Status));
    }

    [Fact]
    public async Task PublishManyAsync_CountsEachEventAsOneSend()
    {
        using var metrics = new MetricsCapture();
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<Batched>());

        await harness.PublishManyAsync(Enumerable.Range(0, 25).Select(i => new Batched(i)));

        Assert.Equal(25, metrics.Sum("messaging.client.sent.messages", ("messaging.destination.name", "diag.batched"), ("messaging.operation.name", "send")));
        Assert.Equal(25, metrics.HistogramCount("messaging.client.operation.duration", ("messaging.destination.name", "diag.batched")));
    }
}
