using Herald.Events;
using Herald.Hosting;
using Herald.Publishing;
using Herald.Testing;

namespace Herald.Tests.Publishing;

public sealed class SequenceStampingTests
{
    [Event("test.order-revised")]
    public sealed record OrderRevised(string OrderId, int Revision);

    [Fact]
    public async Task Publish_WithExplicitSequence_CarriesIt()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<OrderRevised>());

        var envelope = await harness.PublishAsync(new OrderRevised("o1", 7), new PublishOptions { Sequence = 42 });

        Assert.Equal(42L, envelope.Sequence);
    }

    [Fact]
    public async Task Publish_WithoutSequenceOrSelector_CarriesNone()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<OrderRevised>(e => e.PartitionKey(o => o.OrderId)));

        var envelope = await harness.PublishAsync(new OrderRevised("o1", 7));

        Assert.Null(envelope.Sequence);
    }

    [Fact]
    public async Task Publish_WithSelector_TakesSequenceFromEvent()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<OrderRevised>(e => e.PartitionKey(o => o.OrderId).Sequence(o => o.Revision)));

        var first = await harness.PublishAsync(new OrderRevised("o1", 1));
        var second = await harness.PublishAsync(new OrderRevised("o1", 2));

        Assert.Equal([("o1", 1L), ("o1", 2L)], [(first.PartitionKey, first.Sequence), (second.PartitionKey, second.Sequence)]);
    }

    [Fact]
    public async Task Publish_WithSelectorAndExplicitSequence_ExplicitWins()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<OrderRevised>(e => e.Sequence(o => o.Revision)));

        var envelope = await harness.PublishAsync(new OrderRevised("o1", 3), new PublishOptions { Sequence = 9 });

        Assert.Equal(9L, envelope.Sequence);
    }

    [Fact]
    public async Task AddEventTwice_KeepsSelectorsOfBoth()
    {
        await using var harness = HeraldTestHarness.Create(h => h
            .AddEvent<OrderRevised>(e => e.Sequence(o => o.Revision))
            .AddEvent<OrderRevised>(e => e.PartitionKey(o => o.OrderId)));

        var envelope = await harness.PublishAsync(new OrderRevised("o5", 4));

        Assert.Equal(("o5", 4L), (envelope.PartitionKey, envelope.Sequence));
    }

    [Fact]
    public async Task AddEventTwice_LaterSequenceSelectorWins()
    {
        await using var harness = HeraldTestHarness.Create(h => h
            .AddEvent<OrderRevised>(e => e.Sequence(o => o.Revision))
            .AddEvent<OrderRevised>(e => e.Sequence(o => o.Revision * 10L)));

        var envelope = await harness.PublishAsync(new OrderRevised("o5", 4));

        Assert.Equal(40L, envelope.Sequence);
    }

    [Fact]
    public void Sequence_WithNullSelector_Throws()
    {
        var registration = new EventRegistration<OrderRevised>();

        Assert.Throws<ArgumentNullException>(() => registration.Sequence(null!));
    }
}
