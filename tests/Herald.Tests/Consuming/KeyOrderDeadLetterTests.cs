using Herald.DeadLetters;
using Herald.Publishing;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Consuming;

/// <summary>KeepKeyOrderOnDeadLetter: a dead letter holds back the later events of its key until it is handled or released.</summary>
public sealed class KeyOrderDeadLetterTests
{
    private static HeraldTestHarness Harness(FailurePlan plan, int keys) =>
        HeraldTestHarness.Create(
            h => h.AddHandler<PlannedPlacedHandler>("billing").ConfigureGroup("billing", g =>
                (g.KeepKeyOrderOnDeadLetter, g.DelayedRetries, g.MaxConcurrentKeys) = (true, 0, keys)),
            s => s.AddSingleton(plan));

    private static async Task<string> PublishAsync(HeraldTestHarness harness, string id) =>
        (await harness.PublishAsync(new OrderPlaced(id, 1), new PublishOptions { PartitionKey = id.Split('/')[0] })).EventId;

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task DeadLetteredEvent_ParksItsKey_RedrivingItReleasesTheParkedEventsInOrder(int keys)
    {
        var token = TestContext.Current.CancellationToken;
        var plan = new FailurePlan();
        plan.AlwaysFail("billing", "a/1");
        await using var harness = Harness(plan, keys);
        var head = await PublishAsync(harness, "a/1");
        await PublishAsync(harness, "a/2");
        await PublishAsync(harness, "b/1");
        await PublishAsync(harness, "a/3");

        await harness.ProcessPendingAsync();

        Assert.Equal(["b/1"], plan.Handled.Select(h => h.OrderId));
        var letters = await harness.DeadLetters.ListAsync(cancellationToken: token);
        Assert.Equal([DeadLetterReason.HandlerFailed, DeadLetterReason.Parked, DeadLetterReason.Parked], letters.Select(l => l.Failure.Reason));
        Assert.Equal([null, head, head], letters.Select(l => l.ParkedBehind));
        Assert.Equal(typeof(ParkedBehindDeadLetterException).FullName, letters[1].Failure.ExceptionType);

        plan.FailuresLeft.Clear();
        Assert.Single(await harness.DeadLetters.RedriveAsync(new DeadLetterFilter { EventIds = [head] }, cancellationToken: token));
        await harness.ProcessPendingAsync();

        Assert.Equal(["b/1", "a/1", "a/2", "a/3"], plan.Handled.Select(h => h.OrderId));
        Assert.Empty(await harness.DeadLetters.ListAsync(new DeadLetterFilter { IncludeRedriven = true }, token));

        await PublishAsync(harness, "a/4");
        await harness.ProcessPendingAsync();
        Assert.Equal("a/4", plan.Handled.Last().OrderId);
    }

    [Fact]
    public async Task HeadPurged_TheParkedEventsAreReleasedByARedriveInOrder()
    {
        var token = TestContext.Current.CancellationToken;
        var plan = new FailurePlan();
        plan.AlwaysFail("billing", "a/1");
        await using var harness = Harness(plan, 1);
        var head = await PublishAsync(harness, "a/1");
        await PublishAsync(harness, "a/2");
        await PublishAsync(harness, "a/3");
        await harness.ProcessPendingAsync();

        await harness.DeadLetters.PurgeAsync(new DeadLetterFilter { EventIds = [head] }, cancellationToken: token);
        Assert.Equal(2, (await harness.DeadLetters.RedriveAsync(DeadLetterFilter.All, cancellationToken: token)).Count);
        await harness.ProcessPendingAsync();
        await PublishAsync(harness, "a/4");
        await harness.ProcessPendingAsync();

        Assert.Equal(["a/2", "a/3", "a/4"], plan.Handled.Select(h => h.OrderId));
        Assert.Empty(await harness.DeadLetters.ListAsync(new DeadLetterFilter { IncludeRedriven = true }, token));
    }

    [Fact]
    public async Task RedrivenHeadFailsAgain_ItsKeyStaysParked()
    {
        var token = TestContext.Current.CancellationToken;
        var plan = new FailurePlan();
        plan.AlwaysFail("billing", "a/1");
        await using var harness = Harness(plan, 1);
        var head = await PublishAsync(harness, "a/1");
        await PublishAsync(harness, "a/2");
        await harness.ProcessPendingAsync();

        await harness.DeadLetters.RedriveAsync(new DeadLetterFilter { EventIds = [head] }, cancellationToken: token);
        await harness.ProcessPendingAsync();
        await PublishAsync(harness, "a/3");
        await harness.ProcessPendingAsync();

        Assert.Empty(plan.Handled);
        var letters = await harness.DeadLetters.ListAsync(cancellationToken: token);
        Assert.Equal(3, letters.Count);
        Assert.Equal((head, DeadLetterReason.HandlerFailed), (letters[0].EventId, letters[0].Failure.Reason));
        Assert.Single(letters[0].History);
        Assert.All(letters.Skip(1), l => Assert.Equal(head, l.ParkedBehind));
    }
}
