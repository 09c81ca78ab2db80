using Herald.Consuming;
using Herald.Hosting;
using Herald.Tests.Events.Upcasting;
using Herald.Transports.Embedded;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Transports.Embedded;

/// <summary>Events an older release wrote to the embedded log reach today's handlers upcast to the current version.</summary>
public sealed class EmbeddedUpcastingTests : IDisposable
{
    private const string Topic = "test.order-created";
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-upcast-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task StoredV1AndV2Events_AreHandledAsV3_AfterAnUpgrade()
    {
        var token = TestContext.Current.CancellationToken;
        // The previous release of the application: the log holds v1 and v2 payloads in their old shapes.
        await using (var transport = new EmbeddedLogTransport(new() { DataDirectory = _directory }))
        {
            await transport.SendAsync(Topic, UpcasterChainTests.Stored(1, """{"orderId":"o1","amount":12.5}""", "e1"), token);
            await transport.SendAsync(Topic, UpcasterChainTests.Stored(2, """{"orderId":"o2","amount":3,"currency":"USD"}""", "e2"), token);
            await transport.SendAsync(Topic, UpcasterChainTests.Stored(1, """{"orderId":"o3","amount":0.5}""", "e3"), token);
        }

        var journal = new OrderCreatedJournal();
        await using (var services = new ServiceCollection()
            .AddSingleton(journal)
            .AddHerald(h => h
                .UseEmbeddedLog(o => o.DataDirectory = _directory)
                .AddHandler<RecordOrderCreated>("billing")
                .AddUpcaster<AddCurrencyToOrderCreated>()
                .AddUpcaster<NestTotalOfOrderCreated>())
            .BuildServiceProvider())
        {
            var driver = services.GetRequiredService<IConsumerDriver>();
            while (await driver.ProcessAvailableAsync(token) > 0)
            {
            }
        }

        Assert.Equal(
            [
                (new OrderCreated("o1", new Money(12.5m, "EUR")), 1),
                (new OrderCreated("o2", new Money(3, "USD")), 2),
                (new OrderCreated("o3", new Money(0.5m, "EUR")), 1),
            ],
            journal.Handled);
    }
}
