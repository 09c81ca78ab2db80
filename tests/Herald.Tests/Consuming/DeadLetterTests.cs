using System.Collections.Concurrent;
using System.Text;
using Herald.Consuming;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Publishing;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Consuming;

/// <summary>Fails per consumer group and order id as a test plans it, and records what it handled.</summary>
public sealed class FailurePlan
{
    public ConcurrentDictionary<(string Group, string OrderId), int> FailuresLeft { get; } = new();

    public ConcurrentQueue<(string Group, string OrderId, int Attempt)> Handled { get; } = new();

    public void AlwaysFail(string group, string orderId) => FailuresLeft[(group, orderId)] = int.MaxValue;
}

public sealed class PlannedPlacedHandler(FailurePlan plan) : IEventHandler<OrderPlaced>
{
    public Task HandleAsync(EventContext<OrderPlaced> context)
    {
        var key = (context.ConsumerGroup, context.Event.OrderId);
        if (plan.FailuresLeft.TryGetValue(key, out var left) && left > 0)
        {
            plan.FailuresLeft[key] = left == int.MaxValue ? left : left - 1;
            throw new TimeoutException($"card processor timed out for {context.Event.OrderId}");
        }

        plan.Handled.Enqueue((context.ConsumerGroup, context.Event.OrderId, context.Attempt));
        return Task.CompletedTask;
    }
}

public sealed class DeadLetterTests
{
    private static async Task UntilRedrivenAsync(HeraldTestHarness harness, int count)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        while ((await harness.DeadLetters.ListAsync(new DeadLetterFilter { IncludeRedriven = true }, timeout.Token)).Count(l => l.Status == DeadLetterStatus.Redriven) < count)
        {
            await Task.Yield();
            timeout.Token.ThrowIfCancellationRequested();
        }
    }

    private static HeraldTestHarness Harness(FailurePlan plan, Action<ConsumerGroupOptions>? billing = null) =>
        HeraldTestHarness.Create(
            h => h.AddHandler<PlannedPlacedHandler>("billing")
                .AddHandler<PlannedPlacedHandler>("audit")
                .ConfigureGroup("billing", g =>
                {
                    (g.RedeliveryDelay, g.RedeliveryJitter, g.DelayedRetries) = (TimeSpan.FromSeconds(1), 0, 3);
                    billing?.Invoke(g);
                }),
            s => s.AddSingleton(plan));

    [Fact]
    public async Task HandlerFailsTwiceThenSucceeds_HandledOnceAfterTwoDelayedRetries()
    {
        var plan = new FailurePlan();
        plan.FailuresLeft[("billing", "o1")] = 2;
        await using var harness = Harness(plan);

        await harness.PublishAsync(new OrderPlaced("o1", 1));
        await harness.ProcessPendingAsync();
        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(1));
        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(2));

        Assert.Equal([("billing", "o1", 3)], plan.Handled.Where(h => h.Group == "billing"));
        Assert.Equal([1, 2], harness.FailedIn("billing").Select(f => f.Attempt));
        Assert.Empty(harness.DeadLettered);
        Assert.Empty(await harness.DeadLetters.ListAsync(cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task HandlerAlwaysFails_OneDeadLetterInThatGroupOnly_WithTheFailureDetails()
    {
        var plan = new FailurePlan();
        plan.AlwaysFail("billing", "o1");
        await using var harness = Harness(plan, g => g.ImmediateRetries = 1);

        var envelope = await harness.PublishAsync(new OrderPlaced("o1", 1));
        await harness.ProcessPendingAsync();
        for (var delay = 1; delay <= 8; delay *= 2)
        {
            await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(delay));
        }

        await harness.AdvanceTimeAsync(TimeSpan.FromMinutes(10));

        // 1 delivery + 3 delayed retries, each with one immediate retry.
        Assert.Equal(8, harness.FailedIn("billing").Count);
        var letter = Assert.Single(await harness.DeadLetters.ListAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(("billing", "test.order-placed", envelope), (letter.Group, letter.Topic, letter.Envelope));
        Assert.Equal(DeadLetterReason.HandlerFailed, letter.Failure.Reason);
        Assert.Equal(typeof(TimeoutException).FullName, letter.Failure.ExceptionType);
        Assert.Equal("card processor timed out for o1", letter.Failure.ExceptionMessage);
        Assert.Contains(nameof(PlannedPlacedHandler), letter.Failure.StackTrace, StringComparison.Ordinal);
        Assert.Equal(typeof(PlannedPlacedHandler).FullName, letter.Failure.Handler);
        Assert.Equal(8, letter.Failure.Attempts);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(start, letter.Failure.FirstFailureAt);
        Assert.Equal(start + TimeSpan.FromSeconds(1 + 2 + 4), letter.Failure.LastFailureAt);
        Assert.Equal([letter], harness.DeadLettered);
        Assert.Equal([("audit", "o1", 1)], plan.Handled);
    }

    [Fact]
    public async Task Redrive_HandledOnceByTheFailedGroupOnly_KeepingTheEventId()
    {
        var plan = new FailurePlan();
        plan.FailuresLeft[("billing", "o1")] = 1;
        await using var harness = Harness(plan, g => g.DelayedRetries = 0);
        var envelope = await harness.PublishAsync(new OrderPlaced("o1", 1));
        await harness.ProcessPendingAsync();
        Assert.Single(harness.DeadLettered);

        var redriven = await harness.DeadLetters.RedriveAsync(new DeadLetterFilter { Group = "billing" }, cancellationToken: TestContext.Current.CancellationToken);
        await harness.ProcessPendingAsync();

        Assert.Equal(envelope.EventId, Assert.Single(redriven).EventId);
        Assert.Equal([("audit", "o1", 1), ("billing", "o1", 1)], plan.Handled.OrderBy(h => h.Group));
        Assert.Equal([envelope.EventId, envelope.EventId], harness.Handled.Select(h => h.Envelope.EventId));
        Assert.Empty(await harness.DeadLetters.ListAsync(cancellationToken: TestContext.Current.CancellationToken));
        var kept = Assert.Single(await harness.DeadLetters.FindAsync(envelope.EventId, TestContext.Current.CancellationToken));
        Assert.Equal(DeadLetterStatus.Redriven, kept.Status);
    }

    [Fact]
    public async Task RedrivenEventFailsAgain_ReturnsWithItsHistory()
    {
        var plan = new FailurePlan();
        plan.AlwaysFail("billing", "o1");
        await using var harness = Harness(plan, g => g.DelayedRetries = 0);
        await harness.PublishAsync(new OrderPlaced("o1", 1));
        await harness.ProcessPendingAsync();
        await harness.AdvanceTimeAsync(TimeSpan.FromMinutes(1));

        await harness.DeadLetters.RedriveAsync(DeadLetterFilter.All, cancellationToken: TestContext.Current.CancellationToken);
        await harness.ProcessPendingAsync();

        var letter = Assert.Single(await harness.DeadLetters.ListAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(DeadLetterStatus.Pending, letter.Status);
        var earlier = Assert.Single(letter.History);
        Assert.Equal(harness.Time.GetUtcNow(), earlier.RedrivenAt);
        Assert.Equal(harness.Time.GetUtcNow() - TimeSpan.FromMinutes(1), earlier.DeadLetteredAt);
        Assert.Equal(2, harness.DeadLettered.Count);
    }

    [Fact]
    public async Task RedriveDryRun_ChangesNothing()
    {
        var plan = new FailurePlan();
        plan.FailuresLeft[("billing", "o1")] = 1;
        await using var harness = Harness(plan, g => g.DelayedRetries = 0);
        await harness.PublishAsync(new OrderPlaced("o1", 1));
        await harness.ProcessPendingAsync();

        var wouldRedrive = await harness.DeadLetters.RedriveAsync(DeadLetterFilter.All, new RedriveOptions { DryRun = true }, TestContext.Current.CancellationToken);
        await harness.ProcessPendingAsync();

        Assert.Single(wouldRedrive);
        Assert.Equal(DeadLetterStatus.Pending, Assert.Single(await harness.DeadLetters.ListAsync(cancellationToken: TestContext.Current.CancellationToken)).Status);
        Assert.DoesNotContain(plan.Handled, h => h.Group == "billing");
    }

    [Fact]
    public async Task Redrive_RateLimited_SpreadsTheSendsOverTime()
    {
        var plan = new FailurePlan();
        await using var harness = Harness(plan, g => g.DelayedRetries = 0);
        foreach (var id in new[] { "o1", "o2", "o3" })
        {
            plan.FailuresLeft[("billing", id)] = 1;
            await harness.PublishAsync(new OrderPlaced(id, 1));
        }

        await harness.ProcessPendingAsync();
        var redrive = harness.DeadLetters.RedriveAsync(DeadLetterFilter.All, new RedriveOptions { MaxPerSecond = 2 }, TestContext.Current.CancellationToken).AsTask();

        // The first goes at once; the second waits for the fake clock, so until time moves the redrive cannot finish.
        await UntilRedrivenAsync(harness, 1);
        Assert.False(redrive.IsCompleted);
        await harness.AdvanceTimeAsync(TimeSpan.FromMilliseconds(500));
        Assert.False(redrive.IsCompleted);
        await harness.AdvanceTimeAsync(TimeSpan.FromMilliseconds(500));
        Assert.Equal(3, (await redrive.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken)).Count);
    }

    [Fact]
    public async Task Filters_SelectByTypeExceptionGroupAndTime_AndPurgeRemoves()
    {
        var plan = new FailurePlan();
        await using var harness = Harness(plan, g => g.DelayedRetries = 0);
        plan.FailuresLeft[("billing", "o1")] = 1;
        await harness.PublishAsync(new OrderPlaced("o1", 1));
        await harness.ProcessPendingAsync();
        await harness.AdvanceTimeAsync(TimeSpan.FromHours(1));
        plan.FailuresLeft[("billing", "o2")] = 1;
        await harness.PublishAsync(new OrderPlaced("o2", 1));
        await harness.ProcessPendingAsync();
        var token = TestContext.Current.CancellationToken;
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal(2, (await harness.DeadLetters.ListAsync(new DeadLetterFilter { ExceptionType = "TimeoutException", EventType = "test.order-placed" }, token)).Count);
        Assert.Empty(await harness.DeadLetters.ListAsync(new DeadLetterFilter { ExceptionType = "System.InvalidOperationException" }, token));
        Assert.Empty(await harness.DeadLetters.ListAsync(new DeadLetterFilter { Group = "audit" }, token));
        var late = Assert.Single(await harness.DeadLetters.ListAsync(new DeadLetterFilter { From = start + TimeSpan.FromMinutes(30) }, token));
        var early = Assert.Single(await harness.DeadLetters.ListAsync(new DeadLetterFilter { Until = start + TimeSpan.FromMinutes(30) }, token));
        Assert.NotEqual(late.EventId, early.EventId);

        Assert.Single(await harness.DeadLetters.PurgeAsync(new DeadLetterFilter { EventIds = [early.EventId] }, dryRun: true, token));
        Assert.Equal(2, (await harness.DeadLetters.ListAsync(cancellationToken: token)).Count);
        Assert.Single(await harness.DeadLetters.PurgeAsync(new DeadLetterFilter { EventIds = [early.EventId] }, cancellationToken: token));
        Assert.Equal(late.EventId, Assert.Single(await harness.DeadLetters.ListAsync(cancellationToken: token)).EventId);
    }

    [Fact]
    public async Task MalformedPayload_DeadLetteredAtOnce_WithoutRetriesAndLaterEventsFlow()
    {
        var plan = new FailurePlan();
        await using var harness = Harness(plan);
        var good = await harness.PublishAsync(new OrderPlaced("o1", 1), new PublishOptions { PartitionKey = "k" });
        var poison = good with { EventId = "poison-1", Data = Encoding.UTF8.GetBytes("{\"OrderId\": 42, \"Amount\": \"x\"") };
        await harness.Transport.SendAsync("test.order-placed", poison, TestContext.Current.CancellationToken);
        await harness.PublishAsync(new OrderPlaced("o2", 2), new PublishOptions { PartitionKey = "k" });

        await harness.ProcessPendingAsync();

        var letters = await harness.DeadLetters.ListAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["audit", "billing"], letters.Select(l => l.Group).Order());
        Assert.All(letters, l => Assert.Equal((DeadLetterReason.Undeserializable, "poison-1", 0), (l.Failure.Reason, l.EventId, l.Failure.Attempts)));
        Assert.All(letters, l => Assert.Equal(typeof(EventFormatException).FullName, l.Failure.ExceptionType));
        Assert.Equal(["o1", "o1", "o2", "o2"], plan.Handled.Select(h => h.OrderId).Order());
    }

    [Fact]
    public async Task NewerVersionThanTheHandlerReads_DeadLetteredAtOnceNamingTheVersions()
    {
        var plan = new FailurePlan();
        await using var harness = Harness(plan);
        var envelope = await harness.PublishAsync(new OrderPlaced("o1", 1));
        await harness.Transport.SendAsync("test.order-placed", envelope with { EventId = "v7", EventVersion = 7 }, TestContext.Current.CancellationToken);
        await harness.ProcessPendingAsync();

        var letter = (await harness.DeadLetters.ListAsync(new DeadLetterFilter { Group = "billing" }, TestContext.Current.CancellationToken)).Single();
        Assert.Equal(DeadLetterReason.UnsupportedVersion, letter.Failure.Reason);
        Assert.Contains("v7", letter.Failure.ExceptionMessage, StringComparison.Ordinal);
        Assert.Contains("reads v1", letter.Failure.ExceptionMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AtMostOnce_FailureIsDeadLetteredAndNotDeliveredAgain()
    {
        var plan = new FailurePlan();
        plan.FailuresLeft[("billing", "o1")] = 1;
        await using var harness = Harness(plan, g => g.Acknowledgement = AcknowledgementMode.AtMostOnce);
        await harness.PublishAsync(new OrderPlaced("o1", 1));
        await harness.ProcessPendingAsync();
        await harness.AdvanceTimeAsync(TimeSpan.FromMinutes(5));

        var letter = Assert.Single(harness.DeadLettered);
        Assert.Equal(DeadLetterReason.FailedAtMostOnce, letter.Failure.Reason);
        Assert.DoesNotContain(plan.Handled, h => h.Group == "billing");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public void DelayedRetriesOutOfRange_ConfigurationErrorNamesTheGroup(int retries)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Harness(new FailurePlan(), g => g.DelayedRetries = retries));
        Assert.Contains("'billing'", error.Message, StringComparison.Ordinal);
        Assert.Contains("DelayedRetries", error.Message, StringComparison.Ordinal);
    }
}
