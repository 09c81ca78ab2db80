using Herald.Hosting;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Conformance.Transports;

// The messaging.system a transport names goes on every metric and span of the pipeline over it, publish and consume.
public abstract partial class TransportConformance<TFixture>
{
    [Fact]
    public async Task Pipeline_PublishAndConsume_MetricsAndSpansCarryTheTransportsMessagingSystem()
    {
        var topic = UniqueName("topic");
        var group = UniqueName("telemetry");
        using var recorder = new TelemetryRecorder(
            topic,
            spans: ["send", "process"],
            instruments: ["messaging.client.sent.messages", "messaging.client.operation.duration", "messaging.client.consumed.messages", "messaging.process.duration"]);
        var log = new ParcelLog();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(log).AddHerald(h => h
            .UseTransport(_ => new UndisposedTransport(Transport))
            .AddEvent<ParcelSent>(e => e.Topic = topic)
            .AddHandler<ParcelHandler>(group));
        using var host = builder.Build();
        await host.StartAsync(Cancellation);
        try
        {
            await host.Services.GetRequiredService<IEventPublisher>().PublishAsync(new ParcelSent("last"), cancellationToken: Cancellation);
            await log.Last.Task.WaitAsync(Cancellation);
            await recorder.Complete.WaitAsync(Cancellation);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        var expected = _fixture.MessagingSystem;
        foreach (var (operation, systems) in recorder.Spans)
        {
            Assert.All(systems, system => Assert.True(system == expected, $"A {operation} span on {topic} names messaging.system '{system}', not '{expected}'."));
        }

        foreach (var (instrument, systems) in recorder.Measurements)
        {
            Assert.All(systems, system => Assert.True(system == expected, $"{instrument} on {topic} names messaging.system '{system}', not '{expected}'."));
        }

        Assert.Equal(expected, Transport.MessagingSystem);
    }
}
