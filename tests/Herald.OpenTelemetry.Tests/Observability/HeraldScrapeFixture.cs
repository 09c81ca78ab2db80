using Herald.Consuming;
using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Hosting;
using Herald.OpenTelemetry.Tests.HealthChecks;
using Herald.Outbox;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.OpenTelemetry.Tests.Observability;

/// <summary>Runs a Herald application that makes every instrument report (sends, handlings, a failure, a retry, a
/// dead letter, an outbox, a circuit breaker) and scrapes its Prometheus endpoint once.</summary>
public sealed class HeraldScrapeFixture : IAsyncLifetime
{
    private sealed class DeadLetterSignal : IEventObserver
    {
        public TaskCompletionSource DeadLettered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnDeadLettered(DeadLetter letter) => DeadLettered.TrySetResult();
    }

    internal PrometheusText Scrape { get; private set; } = PrometheusText.Parse(string.Empty);

    public async ValueTask InitializeAsync()
    {
        var timeout = TimeSpan.FromSeconds(30);
        var port = FreePort.Next();
        var counter = new HandledCounter { Target = 3 };
        var signal = new DeadLetterSignal();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(counter).AddSingleton<IEventObserver>(signal);
        builder.Services.AddHerald(h => h
            .UseInMemoryTransport()
            .AddHandler<InvoiceHandler>(InvoiceHandler.Group)
            .UseOutbox(_ => new FixedOutboxStore(new OutboxStatistics(2, TimeSpan.FromSeconds(3))))
            .ConfigureGroup(InvoiceHandler.Group, g =>
            {
                // One quick redelivery, then the dead-letter queue: a retry and a dead letter within milliseconds.
                g.DelayedRetries = 1;
                g.RedeliveryDelay = TimeSpan.FromMilliseconds(10);
                g.MaxRedeliveryDelay = TimeSpan.FromMilliseconds(10);
                g.CircuitBreaker = new CircuitBreakerOptions();
            }));
        builder.Services.AddHeraldPrometheus(port);
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var publisher = host.Services.GetRequiredService<IEventPublisher>();
            await publisher.PublishAsync(new InvoiceIssued("refused", Fails: true));
            for (var i = 0; i < 3; i++)
            {
                await publisher.PublishAsync(new InvoiceIssued($"i{i}"));
            }

            await Task.WhenAll(counter.Reached.Task, signal.DeadLettered.Task).WaitAsync(timeout);
            using var http = new HttpClient();
            Scrape = PrometheusText.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics")));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
