using System.Diagnostics.Metrics;
using System.Net;
using Confluent.Kafka;

namespace Herald.Server.Tests.Broker;

/// <summary>The Herald.Server meter, the server's health, and <c>herald serve --metrics</c>.</summary>
public sealed class MetricsTests(ServerFixture fixture)
{
    [Fact]
    public void Produce_CountsRequestsAndRecordsByTopic()
    {
        var topic = ServerFixture.Unique("metered");
        var records = 0L;
        var requests = new HashSet<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == HeraldServer.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tagged = tags.ToArray();
            if (instrument.Name == "herald.server.records.produced" && tagged.Any(t => t.Key == "messaging.destination.name" && (string?)t.Value == topic))
            {
                Interlocked.Add(ref records, value);
            }
            else if (instrument.Name == "herald.server.requests")
            {
                lock (requests)
                {
                    requests.Add((string)tagged.Single(t => t.Key == "kafka.api").Value!);
                }
            }
        });
        listener.Start();

        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = fixture.Bootstrap, LingerMs = 5 }).Build())
        {
            for (var i = 0; i < 100; i++)
            {
                producer.Produce(topic, new Message<Null, string> { Value = $"v{i}" });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        Assert.Equal(100, Interlocked.Read(ref records));
        lock (requests)
        {
            Assert.Contains("Produce", requests);
            Assert.Contains("Metadata", requests);
        }

        Assert.Empty(fixture.Server.GetProblems());
    }

    [Fact]
    public async Task ServeWithMetrics_ServesPrometheusTextAndHealth()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"herald-serve-metrics-{Guid.NewGuid():N}");
        var metricsPort = ServeProcess.FreePort();
        try
        {
            using var server = await ServeProcess.StartAsync(directory, ServeProcess.FreePort(), "--metrics", $"127.0.0.1:{metricsPort}");
            using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = server.Bootstrap }).Build())
            {
                await producer.ProduceAsync("scraped", new Message<Null, string> { Value = "one" }, TestContext.Current.CancellationToken);
            }

            using var http = new HttpClient();
            var health = await http.GetAsync(new Uri($"http://127.0.0.1:{metricsPort}/health"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("healthy\n", await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"), TestContext.Current.CancellationToken);
            Assert.Contains("herald_server_requests", metrics, StringComparison.Ordinal);
            Assert.Contains("herald_server_records_produced", metrics, StringComparison.Ordinal);
            Assert.Contains("scraped", metrics, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task GetProblems_BeforeStartAndAfterStop_SaySo()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"herald-serve-health-{Guid.NewGuid():N}");
        var server = new HeraldServer(new HeraldServerOptions { DataDirectory = directory, Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        Assert.Equal(["the server has not started"], server.GetProblems());
        await server.StartAsync(TestContext.Current.CancellationToken);
        Assert.Empty(server.GetProblems());
        await server.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["the server has stopped"], server.GetProblems());
        Directory.Delete(directory, recursive: true);
    }
}
