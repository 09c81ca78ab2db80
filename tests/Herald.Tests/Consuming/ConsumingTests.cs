using Herald.Publishing;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Consuming;

public sealed class ConsumingTests
{
    private static HeraldTestHarness Harness(Journal journal, Action<Herald.Hosting.HeraldBuilder> configure) =>
        HeraldTestHarness.Create(configure, s => s.AddSingleton(journal));

    [Fact]
    public async Task Publish_TwoGroups_EachGroupHandlesEveryEvent()
    {
        var journal = new Journal();
        await using var harness = Harness(journal, h => h.AddHandler<RecordingPlacedHandler>("billing").AddHandler<RecordingPlacedHandler>("audit"));

        for (var i = 0; i < 50; i++)
        {
            await harness.PublishAsync(new OrderPlaced($"o{i}", i), new PublishOptions { PartitionKey = $"o{i}" });
        }

        await harness.ProcessPendingAsync();

        Assert.Equal(50, harness.HandledBy<OrderPlaced>("billing").Count);
        Assert.Equal(50, harness.HandledBy<OrderPlaced>("audit").Count);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"o{i}").Order(), harness.HandledBy<OrderPlaced>("audit").Select(o => o.OrderId).Order());
    }

    [Fact]
    public async Task Publish_CompetingMembersInOneGroup_EachEventHandledOnce()
    {
        var journal = new Journal();
        await using var harness = Harness(journal, h => h.AddHandler<RecordingPlacedHandler>("billing").ConfigureGroup("billing", g => g.Members = 3));

        for (var i = 0; i < 300; i++)
        {
            await harness.PublishAsync(new OrderPlaced($"o{i}", i), new PublishOptions { PartitionKey = $"o{i}" });
        }

        await harness.ProcessPendingAsync();

        var handled = harness.HandledBy<OrderPlaced>("billing").Select(o => o.OrderId).ToList();
        Assert.Equal(300, handled.Count);
        Assert.Equal(300, handled.Distinct().Count());
    }

    [Fact]
    public async Task Publish_SameKey_HandledInPublishOrder()
    {
        var journal = new Journal();
        await using var harness = Harness(journal, h => h.AddHandler<RecordingPlacedHandler>("billing"));
        var keys = new[] { "alpha", "beta", "gamma", "delta" };

        for (var i = 0; i < 400; i++)
        {
            var key = keys[i % keys.Length];
            await harness.PublishAsync(new OrderPlaced(key, i), new PublishOptions { PartitionKey = key });
        }

        await harness.ProcessPendingAsync();

        foreach (var key in keys)
        {
            var amounts = harness.HandledBy<OrderPlaced>("billing").Where(o => o.OrderId == key).Select(o => o.Amount).ToList();
            Assert.Equal(100, amounts.Count);
            Assert.Equal(amounts.Order(), amounts);
        }
    }

    [Fact]
    public async Task HandlerFails_ThenSucceeds_RedeliveredAfterDelayInOrderWithoutBlockingOtherKeys()
    {
        var journal = new Journal();
        journal.FailuresLeft["slow"] = 2;
        await using var harness = Harness(journal, h => h
            .AddHandler<RecordingPlacedHandler>("billing")
            .ConfigureGroup("billing", g => (g.RedeliveryDelay, g.RedeliveryJitter) = (TimeSpan.FromSeconds(1), 0)));

        await harness.PublishAsync(new OrderPlaced("slow", 1), new PublishOptions { PartitionKey = "slow" });
        await harness.PublishAsync(new OrderPlaced("slow", 2), new PublishOptions { PartitionKey = "slow" });
        var otherKey = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k =>
            Herald.Transports.KeyPartitioner.Partition(k, 8) != Herald.Transports.KeyPartitioner.Partition("slow", 8));
        await harness.PublishAsync(new OrderPlaced(otherKey, 3), new PublishOptions { PartitionKey = otherKey });

        await harness.ProcessPendingAsync();

        Assert.Equal([otherKey], harness.HandledBy<OrderPlaced>("billing").Select(o => o.OrderId));
        Assert.Single(harness.FailedIn("billing"));

        await harness.AdvanceTimeAsync(TimeSpan.FromMilliseconds(999));
        Assert.Single(harness.FailedIn("billing"));

        await harness.AdvanceTimeAsync(TimeSpan.FromMilliseconds(1));
        Assert.Equal([1, 2], harness.FailedIn("billing").Select(f => f.Attempt));

        // The second delay doubles: 2 s.
        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(2));

        Assert.Equal([3, 1, 2], harness.HandledBy<OrderPlaced>("billing").Select(o => o.Amount));
        Assert.Contains(journal.Entries, e => e.Event is OrderPlaced { Amount: 1 } && e.Attempt == 3);
        Assert.All(harness.FailedIn("billing"), f => Assert.Contains("payment provider down", f.Exception.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandlerPublishes_ThreeStepChain_CarriesCorrelationCausationAndDepth()
    {
        var journal = new Journal();
        await using var harness = Harness(journal, h => h
            .AddHandler<PayOnPlaced>("payment")
            .AddHandler<ShipOnPaid>("shipping")
            .AddHandler<RecordShipped>("notification"));

        var placed = await harness.PublishAsync(new OrderPlaced("o1", 10), new PublishOptions { CorrelationId = "request-7", UserId = "alice" });
        await harness.ProcessPendingAsync();

        var paid = Assert.Single(harness.Published, p => p.Event is OrderPaid).Envelope;
        var shipped = Assert.Single(harness.Published, p => p.Event is OrderShipped).Envelope;
        Assert.Single(harness.HandledBy<OrderShipped>("notification"));

        Assert.Equal((0, null), (placed.Depth, placed.CausationId));
        Assert.Equal(("request-7", placed.EventId, 1, "alice"), (paid.CorrelationId, paid.CausationId, paid.Depth, paid.UserId));
        Assert.Equal(("request-7", paid.EventId, 2, "alice"), (shipped.CorrelationId, shipped.CausationId, shipped.Depth, shipped.UserId));
    }

    [Fact]
    public async Task Publish_NoCorrelationGiven_CorrelatesToItsOwnId()
    {
        await using var harness = Harness(new Journal(), h => h.AddEvent<OrderPlaced>());

        var envelope = await harness.PublishAsync(new OrderPlaced("o1", 1));

        Assert.Equal(envelope.EventId, envelope.CorrelationId);
        Assert.Equal(7, Guid.Parse(envelope.EventId).Version);
        Assert.Equal(harness.Time.GetUtcNow(), envelope.Timestamp);
    }

    [Fact]
    public async Task SelfTriggeringHandler_StopsAtMaxDepth_WithExceptionNamingTheChain()
    {
        await using var harness = Harness(new Journal(), h =>
        {
            h.Options.MaxCausationDepth = 5;
            h.AddHandler<PingPong>("loop");
        });

        await harness.PublishAsync(new Ping(0), new PublishOptions { CorrelationId = "storm-1" });
        await harness.ProcessPendingAsync();

        Assert.Equal(6, harness.PublishedOf<Ping>().Count);
        Assert.Equal(5, harness.HandledBy<Ping>("loop").Count);
        var failure = Assert.Single(harness.FailedIn("loop"));
        var exception = Assert.IsType<CausationDepthExceededException>(failure.Exception);
        Assert.Equal((6, 5, "storm-1", "test.ping"), (exception.Depth, exception.MaxDepth, exception.CorrelationId, exception.EventType));
        Assert.Contains("storm-1", exception.Message, StringComparison.Ordinal);
        Assert.Contains("'test.ping' → 'test.ping'", exception.Message, StringComparison.Ordinal);
    }
}
