using System.Diagnostics;
using Herald.Testing;

namespace Herald.Tests.Diagnostics;

[Collection(DiagnosticsTestGroup.Name)]
public sealed class HeraldTracingTests
{
    [Fact]
    public async Task ThreeHopChain_OrderPaymentNotification_OneTraceOfProducersAndConsumers()
    {
        using var traces = new TracesCapture();
        await using var harness = HeraldTestHarness.Create(h => h
            .AddHandler<OrderCreatedHandler>("payments")
            .AddHandler<PaymentRequestedHandler>("notifications")
            .AddHandler<IgnoreHandler<ChainNotificationRequested>>("mailer"));

        var published = await harness.PublishAsync(new ChainOrderCreated("o-1"));
        await harness.ProcessPendingAsync();

        var spans = traces.On("diag.order-created", "diag.payment-requested", "diag.notification-requested");
        Assert.Equal(6, spans.Count);
        Assert.Single(spans.Select(s => s.TraceId).Distinct());
        var sendOrder = Span(spans, "send diag.order-created", ActivityKind.Producer);
        var processOrder = Span(spans, "process diag.order-created", ActivityKind.Consumer);
        var sendPayment = Span(spans, "send diag.payment-requested", ActivityKind.Producer);
        var processPayment = Span(spans, "process diag.payment-requested", ActivityKind.Consumer);
        var sendNotification = Span(spans, "send diag.notification-requested", ActivityKind.Producer);
        var processNotification = Span(spans, "process diag.notification-requested", ActivityKind.Consumer);
        Assert.Equal(sendOrder.SpanId, processOrder.ParentSpanId);
        Assert.Equal(processOrder.SpanId, sendPayment.ParentSpanId);
        Assert.Equal(sendPayment.SpanId, processPayment.ParentSpanId);
        Assert.Equal(processPayment.SpanId, sendNotification.ParentSpanId);
        Assert.Equal(sendNotification.SpanId, processNotification.ParentSpanId);

        Assert.Equal(sendOrder.Id, published.TraceParent);
        Assert.Equal(published.EventId, sendOrder.GetTagItem("messaging.message.id"));
        Assert.Equal(published.EventId, processOrder.GetTagItem("messaging.message.id"));
        Assert.Equal(published.CorrelationId, processNotification.GetTagItem("messaging.message.conversation_id"));
        Assert.Equal("herald.inmemory", processOrder.GetTagItem("messaging.system"));
        Assert.Equal("payments", processOrder.GetTagItem("messaging.consumer.group.name"));
        Assert.Equal("process", processOrder.GetTagItem("messaging.operation.type"));
        Assert.Equal("send", sendPayment.GetTagItem("messaging.operation.name"));
        Assert.All(spans, s => Assert.Equal(ActivityStatusCode.Unset, s.Status));
    }

    [Fact]
    public async Task HandlerFails_ProcessSpan_HasErrorStatusAndType()
    {
        using var traces = new TracesCapture();
        await using var harness = HeraldTestHarness.Create(h => h
            .AddHandler<ThrowHandler<TraceFailing>>("fragile")
            .ConfigureGroup("fragile", g => g.DelayedRetries = 0));

        await harness.PublishAsync(new TraceFailing(1));
        await harness.ProcessPendingAsync();

        var process = Span(traces.On("diag.trace-failing"), "process diag.trace-failing", ActivityKind.Consumer);
        Assert.Equal(ActivityStatusCode.Error, process.Status);
        Assert.Equal("handler down", process.StatusDescription);
        Assert.Equal("System.InvalidOperationException", process.GetTagItem("error.type"));
        Assert.Contains(process.Events, e => e.Name == "exception");
    }

    private static Activity Span(IReadOnlyList<Activity> spans, string name, ActivityKind kind)
    {
        var span = Assert.Single(spans, s => s.DisplayName == name);
        Assert.Equal(kind, span.Kind);
        return span;
    }
}
