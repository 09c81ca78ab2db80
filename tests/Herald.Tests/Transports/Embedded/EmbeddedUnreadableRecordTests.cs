using System.Text;
using Herald.Consuming;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Hosting;
using Herald.Tests.Consuming;
using Herald.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Transports.Embedded;

/// <summary>Records on the embedded log that are not CloudEvents Herald can read.</summary>
public sealed class EmbeddedUnreadableRecordTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-unreadable-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FailurePlan _plan = new();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ProcessAvailable_EnvelopeIntegersOutOfRange_DeadLettersThemAndHandlesTheRestOfTheBatch()
    {
        var token = TestContext.Current.CancellationToken;
        await using var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton(_plan)
            .AddHerald(h => h
                .UseEmbeddedLog(o => o.DataDirectory = _directory)
                .AddHandler<PlannedPlacedHandler>("billing"))
            .BuildServiceProvider();
        var driver = services.GetRequiredService<IConsumerDriver>();
        await driver.ProcessAvailableAsync(token);
        var transport = services.GetRequiredService<ITransport>();

        // A depth below zero would slip under the causation cap; version 0 reads as no version at all.
        await transport.SendAsync("test.order-placed", Placed("o1"), token);
        await transport.SendAsync("test.order-placed", Placed("deep") with { Depth = -2147483643 }, token);
        await transport.SendAsync("test.order-placed", Placed("o2"), token);
        await transport.SendAsync("test.order-placed", Placed("versionless") with { EventVersion = 0 }, token);
        await transport.SendAsync("test.order-placed", Placed("o3"), token);
        while (await driver.ProcessAvailableAsync(token) > 0)
        {
        }

        Assert.Equal(["o1", "o2", "o3"], _plan.Handled.Select(h => h.OrderId));
        var letters = await services.GetRequiredService<IDeadLetters>().ListAsync(cancellationToken: token);
        Assert.Equal(["event-deep", "event-versionless"], letters.Select(l => l.EventId).Order(StringComparer.Ordinal));
        Assert.All(letters, l => Assert.Equal(DeadLetterReason.Undeserializable, l.Failure.Reason));
        Assert.Contains(letters, l => l.Failure.ExceptionMessage.Contains("'depth' attribute -2147483643 is out of range", StringComparison.Ordinal));
        Assert.Equal(0, (await transport.GetLagAsync("test.order-placed", "billing", token))!.Sum(p => p.Lag));
    }

    private static EventEnvelope Placed(string orderId) => new()
    {
        EventId = $"event-{orderId}",
        EventType = "test.order-placed",
        Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Source = "/tests",
        CorrelationId = $"event-{orderId}",
        PartitionKey = "orders",
        Data = Encoding.UTF8.GetBytes($$"""{"orderId":"{{orderId}}","amount":1}"""),
    };
}
