using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shop.CommandLine;
using Shop.Statistics;

namespace Shop.Tests;

/// <summary>--metrics-port: the running shop serves Herald's metrics as Prometheus text over HTTP.</summary>
[Collection(typeof(ProcessWideMeters))]
public sealed class ShopMetricsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_MetricsPortUntilStopped_ServesHeraldMetricsOverHttp()
    {
        var port = FreePort();
        var options = new ShopOptions(Orders: 0, Rate: 200, Transport: ShopTransport.InMemory, MetricsPort: port);
        using var host = ShopHost.Build(options);
        var statistics = host.Services.GetRequiredService<ShopStatistics>();
        var run = new ShopRunner(host, options, TextWriter.Null, TextWriter.Null).RunAsync();

        await statistics.WhenHandled(20).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        var scrape = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"), TestContext.Current.CancellationToken);
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var summary = await run.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(RunOutcome.Stopped, summary.Status);
        // Prometheus names: dots become underscores, counters end in _total, seconds histograms in _seconds_bucket.
        AssertSeries(scrape, "messaging_client_sent_messages_total", "messaging_destination_name=\"order.created\"");
        AssertSeries(scrape, "messaging_client_consumed_messages_total", "messaging_consumer_group_name=\"payment\"");
        AssertSeries(scrape, "messaging_process_duration_seconds_bucket", "messaging_consumer_group_name=\"inventory\"");
        AssertSeries(scrape, "herald_consumer_lag", "messaging_destination_partition_id=\"0\"");
    }

    private static void AssertSeries(string scrape, string metric, string label) =>
        Assert.Matches(new Regex($@"(?m)^{metric}\{{[^}}]*{Regex.Escape(label)}[^}}]*\}} \d", RegexOptions.None, TimeSpan.FromSeconds(1)), scrape);

    // HttpListener cannot bind port 0 and tell which port it got: take one that was free a moment ago.
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
