using System.Collections.Concurrent;
using System.Diagnostics;
using global::OpenTelemetry;
using global::OpenTelemetry.Trace;
using Herald.Hosting;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.OpenTelemetry.Tests;

public sealed class HeraldTracerProviderBuilderExtensionsTests
{
    private sealed class Recorder : BaseProcessor<Activity>
    {
        public ConcurrentQueue<Activity> Ended { get; } = new();

        public override void OnEnd(Activity data) => Ended.Enqueue(data);
    }

    [Fact]
    public async Task AddHerald_EventPublished_RecordsSendSpan()
    {
        var recorder = new Recorder();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddHerald().AddProcessor(recorder).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddHerald(h => h.UseInMemoryTransport().AddEvent<InvoiceIssued>());
        await using var provider = services.BuildServiceProvider();

        var envelope = await provider.GetRequiredService<IEventPublisher>().PublishAsync(new InvoiceIssued("traced"), cancellationToken: TestContext.Current.CancellationToken);

        // Other tests may publish at the same time through the same static source: find this event's span.
        var span = Assert.Single(recorder.Ended, a => a.GetTagItem("messaging.message.id") as string == envelope.EventId);
        Assert.Equal("send test.invoice-issued", span.DisplayName);
        Assert.Equal(ActivityKind.Producer, span.Kind);
    }
}
