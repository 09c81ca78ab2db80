using Herald.HealthChecks;
using Herald.Hosting;
using Herald.OpenTelemetry;
using MyService;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

var builder = Host.CreateApplicationBuilder(args);

builder.Services.AddHerald(herald =>
{
    herald.Options.ServiceName = "MyService";
    herald.AddHandlersFromAssembly(typeof(Program).Assembly);

    // No transport chosen: Herald's embedded durable log, in ./herald-data. herald.UseEmbeddedLog(o => o.DataDirectory = "...")
    // moves it; herald.UseRabbitMQ() or herald.UseNats() (packages Herald.RabbitMQ, Herald.Nats) move to a broker.
});

// Transport down, consumer lag, dead letters: resolve HealthCheckService, or map it in an ASP.NET Core app.
builder.Services.AddHealthChecks().AddHerald();

// Herald's metrics and traces; add an exporter (builder.Services.AddHeraldPrometheus(9464) serves /metrics).
builder.Services.AddOpenTelemetry()
    .WithMetrics(metrics => metrics.AddHerald())
    .WithTracing(tracing => tracing.AddHerald());

builder.Services.AddHostedService<PlaceFirstOrder>();

await builder.Build().RunAsync();
