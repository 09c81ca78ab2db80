using System.Text.Json.Serialization;
using Herald.Testing;
using Herald.Tests.Consuming;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Events;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OrderPlaced))]
internal sealed partial class OrderJsonContext : JsonSerializerContext;

public sealed class SourceGeneratedJsonTests
{
    [Fact]
    public async Task SourceGeneratedContext_SerializesAndDeserializesWithoutReflection()
    {
        await using var harness = HeraldTestHarness.Create(
            h =>
            {
                h.Options.JsonSerializerOptions.TypeInfoResolver = OrderJsonContext.Default;
                h.AddHandler<RecordingPlacedHandler>("billing");
            },
            s => s.AddSingleton(new Journal()));

        var envelope = await harness.PublishAsync(new OrderPlaced("o1", 5));
        await harness.ProcessPendingAsync();

        Assert.Equal("""{"orderId":"o1","amount":5}""", System.Text.Encoding.UTF8.GetString(envelope.Data.Span));
        Assert.Equal([new OrderPlaced("o1", 5)], harness.HandledBy<OrderPlaced>("billing"));
    }

    [Fact]
    public void SourceGeneratedContext_MissingAnEventType_FailsAtStart()
    {
        var error = Assert.ThrowsAny<Exception>(() => HeraldTestHarness.Create(h =>
        {
            h.Options.JsonSerializerOptions.TypeInfoResolver = OrderJsonContext.Default;
            h.AddEvent<OrderPaid>();
        }));

        Assert.Contains(nameof(OrderPaid), error.Message, StringComparison.Ordinal);
    }
}
