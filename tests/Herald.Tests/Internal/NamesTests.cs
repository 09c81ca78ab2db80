using Herald.Testing;

namespace Herald.Tests.Internal;

/// <summary>The names Herald checks at start-up: service name (the CloudEvents source), event names, topics and groups.</summary>
public sealed class NamesTests
{
    [Theory]
    [InlineData("order service")]
    [InlineData("orders\n")]
    [InlineData("orders%")]
    [InlineData("<orders>")]
    public void Create_ServiceNameNotAUriReference_FailsSayingWhatToUse(string serviceName)
    {
        var error = Assert.Throws<InvalidOperationException>(() => HeraldTestHarness.Create(h => h.Options.ServiceName = serviceName));

        Assert.Contains("is not a URI reference", error.Message, StringComparison.Ordinal);
        Assert.Contains("such as 'order-service'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("order-service")]
    [InlineData("/shop/orders")]
    [InlineData("urn:shop:orders")]
    [InlineData("https://shop.example/orders%20eu")]
    public async Task Create_ServiceNameAUriReference_Starts(string serviceName)
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<OrderPlaced>().Options.ServiceName = serviceName);

        await harness.PublishAsync(new OrderPlaced("o1", 1));

        Assert.Equal(serviceName, Assert.Single(harness.Published).Envelope.Source);
    }

    [Fact]
    public void Create_EventNameEndingInNewline_Fails()
    {
        var error = Assert.Throws<InvalidOperationException>(() => HeraldTestHarness.Create(h => h.AddEvent<OrderPlaced>(e => e.Name = "order.placed\n")));

        Assert.Contains("is invalid", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("orders\n", null)]
    [InlineData("orders", "billing\n")]
    public void Create_TopicOrGroupEndingInNewline_Fails(string topic, string? group)
    {
        var error = Assert.Throws<InvalidOperationException>(() => HeraldTestHarness.Create(h => h
            .AddEvent<OrderPlaced>(e => e.Topic = topic)
            .AddHandler<Herald.Tests.Consuming.PlannedPlacedHandler>(group ?? "billing")));

        Assert.Contains("is invalid", error.Message, StringComparison.Ordinal);
    }
}
