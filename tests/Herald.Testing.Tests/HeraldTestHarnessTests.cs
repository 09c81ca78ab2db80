using Herald.Consuming;
using Herald.Events;

namespace Herald.Testing.Tests;

[Event("harness.order-placed")]
public sealed record OrderPlaced(string OrderId);

[Event("harness.order-confirmed")]
public sealed record OrderConfirmed(string OrderId);

[Event("harness.echo")]
public sealed record Echo(int Hop);

public sealed class ConfirmOrder : IEventHandler<OrderPlaced>
{
    public async Task HandleAsync(EventContext<OrderPlaced> context) =>
        await context.PublishAsync(new OrderConfirmed(context.Event.OrderId));
}

public sealed class RecordConfirmation : IEventHandler<OrderConfirmed>
{
    public Task HandleAsync(EventContext<OrderConfirmed> context) => Task.CompletedTask;
}

public sealed class FailFirstAttempt : IEventHandler<OrderPlaced>
{
    public Task HandleAsync(EventContext<OrderPlaced> context) =>
        context.Attempt == 1 ? throw new TimeoutException("first attempt times out") : Task.CompletedTask;
}

public sealed class EchoForever : IEventHandler<Echo>
{
    public async Task HandleAsync(EventContext<Echo> context) =>
        await context.PublishAsync(new Echo(context.Event.Hop + 1));
}

public sealed class HeraldTestHarnessTests
{
    [Fact]
    public async Task ProcessPendingAsync_HandlerPublishes_RunsTheWholeChainInOneCall()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddHandler<ConfirmOrder>("orders").AddHandler<RecordConfirmation>("mail"));

        await harness.PublishAsync(new OrderPlaced("o1"));
        var processed = await harness.ProcessPendingAsync();

        Assert.Equal(2, processed);
        Assert.Equal([new OrderPlaced("o1")], harness.HandledBy<OrderPlaced>("orders"));
        Assert.Equal([new OrderConfirmed("o1")], harness.HandledBy<OrderConfirmed>("mail"));
        Assert.Equal(2, harness.Published.Count);
    }

    [Fact]
    public async Task ProcessPendingAsync_NothingPublished_ReturnsZero()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddHandler<ConfirmOrder>("orders"));

        Assert.Equal(0, await harness.ProcessPendingAsync());
        Assert.Empty(harness.Handled);
    }

    [Fact]
    public async Task AdvanceTimeAsync_FailedEvent_ComesBackOnlyWhenItsDelayHasPassed()
    {
        await using var harness = HeraldTestHarness.Create(h => h
            .AddHandler<FailFirstAttempt>("billing")
            .ConfigureGroup("billing", g => (g.RedeliveryDelay, g.RedeliveryJitter) = (TimeSpan.FromSeconds(5), 0)));

        await harness.PublishAsync(new OrderPlaced("o1"));
        await harness.ProcessPendingAsync();
        Assert.Equal(1, Assert.Single(harness.FailedIn("billing")).Attempt);
        Assert.IsType<TimeoutException>(harness.Failed[0].Exception);

        Assert.Equal(0, await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(4)));
        Assert.Empty(harness.Handled);

        Assert.Equal(1, await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(1)));
        Assert.Single(harness.HandledBy<OrderPlaced>("billing"));
    }

    [Fact]
    public async Task ProcessPendingAsync_ChainThatNeverEnds_StopsAtTheGuard()
    {
        await using var harness = HeraldTestHarness.Create(h =>
        {
            h.Options.MaxCausationDepth = 10_000;
            h.AddHandler<EchoForever>("echo");
        });

        await harness.PublishAsync(new Echo(0));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => harness.ProcessPendingAsync(maxDeliveries: 100));
        Assert.Contains("never end", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishAsync_StampsTheFakeClock()
    {
        var start = new DateTimeOffset(2030, 5, 1, 12, 0, 0, TimeSpan.Zero);
        await using var harness = HeraldTestHarness.Create(h => h.AddEvent<OrderPlaced>(), start: start);

        harness.Time.Advance(TimeSpan.FromMinutes(3));
        var envelope = await harness.PublishAsync(new OrderPlaced("o1"));

        Assert.Equal(start.AddMinutes(3), envelope.Timestamp);
        Assert.Equal([new OrderPlaced("o1")], harness.PublishedOf<OrderPlaced>());
    }

    [Fact]
    public void Create_InconsistentConfiguration_FailsAtOnce()
    {
        var error = Assert.Throws<InvalidOperationException>(() => HeraldTestHarness.Create(h => h.AddHandler<ConfirmOrder>("orders").ConfigureGroup("order", _ => { })));

        Assert.Contains("'order'", error.Message, StringComparison.Ordinal);
    }
}
