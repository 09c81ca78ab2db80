using Herald.DeadLetters;
using Herald.Publishing;
using Herald.Testing;
using Herald.Transports.InMemory;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Consuming;

/// <summary>What reaches a group's dead letters: every message, even one reusing another's event id; and nothing is lost when the queue is full.</summary>
public sealed class DeadLetterBoundsTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static HeraldTestHarness Harness(FailurePlan plan, int maxLetters = 10_000) =>
        HeraldTestHarness.Create(
            h =>
            {
                h.Options.DeadLetters.MaxLettersPerGroup = maxLetters;
                h.AddHandler<PlannedPlacedHandler>("billing")
                    .ConfigureGroup("billing", g => g.DelayedRetries = 0);
            },
            s => s.AddSingleton(plan));

    [Fact]
    public async Task OtherMessageReusingAnEventId_IsDeadLetteredBesideTheFirst_NeitherReplaced()
    {
        var plan = new FailurePlan();
        plan.AlwaysFail("billing", "o1");
        plan.AlwaysFail("billing", "o2");
        await using var harness = Harness(plan);
        var first = await harness.PublishAsync(new OrderPlaced("o1", 1));
        await harness.ProcessPendingAsync(cancellationToken: Token);

        // A foreign producer reuses the id for another payload.
        var impostor = first with { Data = System.Text.Encoding.UTF8.GetBytes("""{"OrderId":"o2","Amount":2}""") };
        await harness.Transport.SendAsync("test.order-placed", impostor, Token);
        await harness.ProcessPendingAsync(cancellationToken: Token);

        var letters = await harness.DeadLetters.FindAsync(first.EventId, Token);
        Assert.Equal(2, letters.Count);
        Assert.Equal(
            new[] { first.Data.ToArray(), impostor.Data.ToArray() }.Select(System.Text.Encoding.UTF8.GetString).Order(StringComparer.Ordinal),
            letters.Select(l => System.Text.Encoding.UTF8.GetString(l.Envelope.Data.Span)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task QueueFullOfPendingLetters_EventIsNeitherDeadLetteredNorAcknowledged_UntilRoomIsMade()
    {
        var plan = new FailurePlan();
        plan.AlwaysFail("billing", "o1");
        plan.AlwaysFail("billing", "o2");
        await using var harness = Harness(plan, maxLetters: 1);
        var transport = (InMemoryTransport)harness.Transport;
        await harness.PublishAsync(new OrderPlaced("o1", 1), new PublishOptions { PartitionKey = "k" });
        var held = await harness.PublishAsync(new OrderPlaced("o2", 2), new PublishOptions { PartitionKey = "k" });

        var full = await Assert.ThrowsAsync<DeadLetterQueueFullException>(() => harness.ProcessPendingAsync(cancellationToken: Token));

        Assert.Equal(held.EventId, full.EventId);
        var kept = Assert.Single(await harness.DeadLetters.ListAsync(cancellationToken: Token));
        Assert.Contains("\"o1\"", System.Text.Encoding.UTF8.GetString(kept.Envelope.Data.Span), StringComparison.Ordinal);
        Assert.Equal(1, transport.GetBacklog("test.order-placed", "billing"));

        await harness.DeadLetters.RedriveAsync(DeadLetterFilter.All, cancellationToken: Token);
        plan.FailuresLeft[("billing", "o1")] = 0;
        await harness.ProcessPendingAsync(cancellationToken: Token);

        Assert.Equal(held.EventId, Assert.Single(await harness.DeadLetters.ListAsync(cancellationToken: Token)).EventId);
        Assert.Equal(0, transport.GetBacklog("test.order-placed", "billing"));
        Assert.Contains(plan.Handled, h => h is { Group: "billing", OrderId: "o1" });
    }
}
