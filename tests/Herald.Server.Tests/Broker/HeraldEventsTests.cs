using System.Text;
using Herald.Events;
using Herald.Transports.Embedded;

namespace Herald.Server.Tests.Broker;

/// <summary>Events a Herald application wrote to its data directory, read by a Kafka client through herald serve.</summary>
public sealed class HeraldEventsTests
{
    [Fact]
    public async Task KcatFromTheBeginning_ReadsAHeraldApplicationsEvents_WithTheirCloudEventsHeaders()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"herald-serve-app-{Guid.NewGuid():N}");
        try
        {
            var options = new EmbeddedLogTransportOptions { DataDirectory = directory };
            options.Log.DefaultTopic.Partitions = 2;
            await using (var transport = new EmbeddedLogTransport(options))
            {
                for (var i = 0; i < 3; i++)
                {
                    await transport.SendAsync("orders", new EventEnvelope
                    {
                        EventId = $"event-{i}",
                        EventType = "shop.order-created",
                        Timestamp = new DateTimeOffset(2026, 12, 1, 0, 0, i, TimeSpan.Zero),
                        Source = "/shop/orders",
                        CorrelationId = "order-7",
                        PartitionKey = "order-7",
                        Sequence = i + 1,
                        Data = Encoding.UTF8.GetBytes($$"""{"orderId":"order-7","n":{{i}}}"""),
                    }, TestContext.Current.CancellationToken);
                }
            }

            var fixture = ServerFixture.Over(directory);
            await fixture.InitializeAsync();
            try
            {
                var read = await fixture.KcatAsync("-C", "-t", "orders", "-o", "beginning", "-e", "-f", "%k|%s|%h\\n");

                var lines = read.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.Equal(3, lines.Length);
                for (var i = 0; i < 3; i++)
                {
                    var fields = lines[i].Split('|');
                    Assert.Equal("order-7", fields[0]);
                    Assert.Equal($$"""{"orderId":"order-7","n":{{i}}}""", fields[1]);
                    Assert.Contains($"ce_id=event-{i}", fields[2], StringComparison.Ordinal);
                    Assert.Contains("ce_type=shop.order-created", fields[2], StringComparison.Ordinal);
                    Assert.Contains("ce_source=/shop/orders", fields[2], StringComparison.Ordinal);
                    Assert.Contains("ce_specversion=1.0", fields[2], StringComparison.Ordinal);
                }
            }
            finally
            {
                await fixture.Server.DisposeAsync();
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
