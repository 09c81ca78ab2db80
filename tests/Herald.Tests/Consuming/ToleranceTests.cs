using System.Text;
using Herald.Events;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Consuming;

/// <summary>What a consumer does with messages it does not fully know: tolerate them, and never let them choose a type.</summary>
public sealed class ToleranceTests
{
    private const string Topic = "test.order-placed";

    private static HeraldTestHarness Harness() =>
        HeraldTestHarness.Create(h => h.AddHandler<RecordingPlacedHandler>("billing"), s => s.AddSingleton(new Journal()));

    private static EventEnvelope Raw(string type, string json, string key = "k") => new()
    {
        EventId = Guid.NewGuid().ToString(),
        EventType = type,
        Timestamp = DateTimeOffset.UnixEpoch,
        Source = "elsewhere",
        CorrelationId = "c",
        PartitionKey = key,
        Data = Encoding.UTF8.GetBytes(json),
    };

    [Fact]
    public async Task UnknownEventType_IsSkipped_AndLaterEventsFlow()
    {
        await using var harness = Harness();

        await harness.Transport.SendAsync(Topic, Raw("test.order-cancelled", """{"orderId":"o1"}"""));
        await harness.PublishAsync(new OrderPlaced("o2", 2), new() { PartitionKey = "k" });
        await harness.ProcessPendingAsync();

        var ignored = Assert.Single(harness.Ignored);
        Assert.Equal(("billing", "test.order-cancelled"), (ignored.Group, ignored.Envelope.EventType));
        Assert.Equal(["o2"], harness.HandledBy<OrderPlaced>("billing").Select(o => o.OrderId));
        Assert.Empty(harness.Failed);
    }

    [Fact]
    public async Task ExtraJsonFields_AreIgnored_KnownFieldsRead()
    {
        await using var harness = Harness();

        await harness.Transport.SendAsync(Topic, Raw("test.order-placed", """{"orderId":"o1","amount":5,"currency":"EUR","lines":[{"sku":"x"}]}"""));
        await harness.ProcessPendingAsync();

        Assert.Equal([new OrderPlaced("o1", 5)], harness.HandledBy<OrderPlaced>("billing"));
    }

    [Theory]
    [InlineData("Herald.Tests.Dangerous")]
    [InlineData("Herald.Tests.Dangerous, Herald.Tests")]
    [InlineData("System.Diagnostics.Process, System.Diagnostics.Process")]
    public async Task MessageNamingUnregisteredClrType_NeverInstantiatesIt(string typeName)
    {
        await using var harness = Harness();
        var before = Dangerous.Instances;

        await harness.Transport.SendAsync(Topic, Raw(typeName, """{"$type":"Herald.Tests.Dangerous, Herald.Tests","command":"rm -rf /"}"""));
        await harness.ProcessPendingAsync();

        Assert.Equal(before, Dangerous.Instances);
        Assert.Single(harness.Ignored);
        Assert.Empty(harness.Handled);
    }

    [Fact]
    public async Task TypeMetadataInsidePayload_IsNotHonoured()
    {
        await using var harness = Harness();
        var before = Dangerous.Instances;

        await harness.Transport.SendAsync(Topic, Raw("test.order-placed", """{"$type":"Herald.Tests.Dangerous, Herald.Tests","orderId":"o1","amount":1}"""));
        await harness.ProcessPendingAsync();

        Assert.Equal(before, Dangerous.Instances);
        Assert.IsType<OrderPlaced>(Assert.Single(harness.Handled).Event);
    }

    [Fact]
    public async Task MalformedPayload_FailsTheDelivery_WithTheEventNamed()
    {
        await using var harness = Harness();

        await harness.Transport.SendAsync(Topic, Raw("test.order-placed", """{"orderId": 12"""));
        await harness.ProcessPendingAsync();

        var failure = Assert.Single(harness.Failed);
        var error = Assert.IsType<EventFormatException>(failure.Exception);
        Assert.Contains("test.order-placed", error.Message, StringComparison.Ordinal);
    }
}
