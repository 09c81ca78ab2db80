using Herald.Hosting;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.OpenTelemetry.Tests;

public sealed class HeraldPrometheusServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddHeraldPrometheus_HostRunning_ServesHeraldMetricsAsPrometheusText()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var port = FreePort.Next();
        var counter = new HandledCounter { Target = 5 };
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(counter);
        builder.Services.AddHerald(h => h.UseInMemoryTransport().AddHandler<InvoiceHandler>(InvoiceHandler.Group));
        builder.Services.AddHeraldPrometheus(port);
        using var host = builder.Build();
        await host.StartAsync(cancellation);
        var publisher = host.Services.GetRequiredService<IEventPublisher>();
        for (var i = 0; i < 5; i++)
        {
            await publisher.PublishAsync(new InvoiceIssued($"i{i}"), cancellationToken: cancellation);
        }

        await counter.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellation);
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/metrics"), cancellation);
        var scrape = PrometheusText.Parse(await response.Content.ReadAsStringAsync(cancellation));
        await host.StopAsync(cancellation);

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        // At least: the meter provider listens to every meter named Herald in the process, other tests' hosts included.
        Assert.True(scrape.Value("messaging_client_sent_messages_total", "messaging_destination_name=\"test.invoice-issued\"") >= 5, scrape.Text);
        Assert.NotNull(scrape.Value("messaging_client_consumed_messages_total", "messaging_consumer_group_name=\"billing\""));
        Assert.Contains("herald_consumer_lag", scrape.Metrics);

        // The view's sub-5 ms buckets replace the conventions' advice, which starts at 5 ms.
        Assert.NotNull(scrape.Value("messaging_process_duration_seconds_bucket", "le=\"0.0005\""));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    public void AddHeraldPrometheus_PortOutOfRange_Throws(int port)
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentOutOfRangeException>(() => services.AddHeraldPrometheus(port));
    }
}
