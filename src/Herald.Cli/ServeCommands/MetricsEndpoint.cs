using System.Net;
using System.Text;
using Herald.Server;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Herald.Cli.ServeCommands;

/// <summary><c>herald serve --metrics</c>: the server's meter as Prometheus text at <c>/metrics</c> (OpenTelemetry's
/// HttpListener exporter) and its health at <c>/health</c> (200 when healthy, 503 with the problems), on one port.</summary>
internal sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly MeterProvider _metrics;
    private readonly HttpListener _health;
    private readonly Task _serving;

    private MetricsEndpoint(MeterProvider metrics, HttpListener health, HeraldServer server)
    {
        (_metrics, _health) = (metrics, health);
        _serving = ServeHealthAsync(server);
    }

    public static MetricsEndpoint Start(IPEndPoint at, HeraldServer server)
    {
        var host = at.Address.ToString();
        var metrics = Sdk.CreateMeterProviderBuilder()
            .AddMeter(HeraldServer.MeterName)
            .AddPrometheusHttpListener(o => (o.Host, o.Port) = (host, at.Port))
            .Build();
        var health = new HttpListener();
        health.Prefixes.Add($"http://{host}:{at.Port}/health/");
        try
        {
            health.Start();
        }
        catch
        {
            metrics.Dispose();
            health.Close();
            throw;
        }

        return new MetricsEndpoint(metrics, health, server);
    }

    public async ValueTask DisposeAsync()
    {
        _health.Close();
        await _serving;
        _metrics.Dispose();
    }

    private async Task ServeHealthAsync(HeraldServer server)
    {
        while (_health.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _health.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var problems = server.GetProblems();
            var body = Encoding.UTF8.GetBytes(problems.Count == 0 ? "healthy\n" : "unhealthy\n" + string.Concat(problems.Select(p => $"- {p}\n")));
            context.Response.StatusCode = problems.Count == 0 ? 200 : 503;
            context.Response.ContentType = "text/plain; charset=utf-8";
            try
            {
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
            catch (HttpListenerException)
            {
                // The caller went away.
            }
        }
    }
}
