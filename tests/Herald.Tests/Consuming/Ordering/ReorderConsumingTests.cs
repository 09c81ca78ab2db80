using Herald.Consuming;
using Herald.Consuming.Ordering;
using Herald.DeadLetters;
using Herald.Hosting;
using Herald.Publishing;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Consuming.Ordering;

/// <summary>A consumer group's reorder buffer: events of a key are handled in sequence order, once.</summary>
public sealed class ReorderConsumingTests
{
    private static HeraldTestHarness Harness(FailurePlan plan, GapTimeoutPolicy policy = GapTimeoutPolicy.SkipGap) =>
        HeraldTestHarness.Create(
            h => h.AddHandler<PlannedPlacedHandler>("billing").ConfigureGroup("billing", g =>
                g.Reorder = new ReorderOptions { GapTimeout = TimeSpan.FromSeconds(10), OnGapTimeout = policy }),
            s => s.AddSingleton(plan));

    private static async Task PublishAsync(HeraldTestHarness harness, string key, long sequence) =>
        await harness.PublishAsync(new OrderPlaced($"{key}/{sequence}", 1), new PublishOptions { PartitionKey = key, Sequence = sequence });

    private static string[] Handled(FailurePlan plan) => [.. plan.Handled.Select(h => h.OrderId)];

    [Fact]
    public async Task OutOfOrderAndRepeated_HandledOnceInSequenceOrder_RepeatsCountedAsDuplicates()
    {
        var plan = new FailurePlan();
        await using var harness = Harness(plan);
        await PublishAsync(harness, "a", 2);
        await PublishAsync(harness, "b", 1);
        await PublishAsync(harness, "a", 3);
        await PublishAsync(harness, "a", 2);
        await harness.ProcessPendingAsync();
        Assert.Equal(["b/1"], Handled(plan));

        await PublishAsync(harness, "a", 1);
        await PublishAsync(harness, "a", 3);
        await harness.ProcessPendingAsync();

        Assert.Equal(["b/1", "a/1", "a/2", "a/3"], Handled(plan));
        Assert.Equal(2, harness.Duplicates.Count);
        Assert.Empty(harness.DeadLettered);
    }

    [Fact]
    public async Task GapTimesOut_SkipGap_ReleasesTheWaitingEvents_AndTheLateOneIsDeadLettered()
    {
        var plan = new FailurePlan();
        await using var harness = Harness(plan);
        await PublishAsync(harness, "a", 1);
        await PublishAsync(harness, "a", 3);
        await harness.ProcessPendingAsync();
        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(9));
        Assert.Equal(["a/1"], Handled(plan));

        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(["a/1", "a/3"], Handled(plan));

        await PublishAsync(harness, "a", 2);
        await harness.ProcessPendingAsync();
        var letter = Assert.Single(harness.DeadLettered);
        Assert.Equal((DeadLetterReason.OutOfSequence, (long?)2), (letter.Failure.Reason, letter.Envelope.Sequence));
    }

    [Fact]
    public async Task GapTimesOut_DeadLetterPolicy_DeadLettersTheWaitingEvents()
    {
        var plan = new FailurePlan();
        await using var harness = Harness(plan, GapTimeoutPolicy.DeadLetter);
        await PublishAsync(harness, "a", 1);
        await PublishAsync(harness, "a", 3);
        await PublishAsync(harness, "a", 4);
        await harness.ProcessPendingAsync();
        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(10));
        await PublishAsync(harness, "a", 5);
        await harness.ProcessPendingAsync();

        Assert.Equal(["a/1", "a/5"], Handled(plan));
        Assert.Equal([3L, 4L], harness.DeadLettered.Select(l => l.Envelope.Sequence!.Value));
        Assert.All(harness.DeadLettered, l => Assert.Equal(DeadLetterReason.OutOfSequence, l.Failure.Reason));
    }

    [Fact]
    public async Task HandlerFailsOnAReleasedEvent_LaterSequencesOfTheKeyWait()
    {
        var plan = new FailurePlan();
        plan.FailuresLeft[("billing", "a/1")] = 1;
        await using var harness = Harness(plan);
        await PublishAsync(harness, "a", 2);
        await PublishAsync(harness, "a", 1);
        await harness.ProcessPendingAsync();
        Assert.Empty(Handled(plan));

        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(2));

        Assert.Equal(["a/1", "a/2"], Handled(plan));
    }

    [Fact]
    public async Task EmbeddedLog_PositionsSurviveARestart_NoWaitAndNoRepeat()
    {
        var directory = Directory.CreateTempSubdirectory("herald-reorder-").FullName;
        var plan = new FailurePlan();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        try
        {
            async Task RunAsync(params long[] sequences)
            {
                await using var services = new ServiceCollection()
                    .AddSingleton<TimeProvider>(time)
                    .AddSingleton(plan)
                    .AddHerald(h => h
                        .UseEmbeddedLog(o => o.DataDirectory = directory)
                        .AddHandler<PlannedPlacedHandler>("billing")
                        .ConfigureGroup("billing", g => g.Reorder = new ReorderOptions()))
                    .BuildServiceProvider();
                var publisher = services.GetRequiredService<IEventPublisher>();
                foreach (var sequence in sequences)
                {
                    await publisher.PublishAsync(new OrderPlaced($"a/{sequence}", 1), new PublishOptions { PartitionKey = "a", Sequence = sequence }, TestContext.Current.CancellationToken);
                }

                var driver = services.GetRequiredService<IConsumerDriver>();
                while (await driver.ProcessAvailableAsync(TestContext.Current.CancellationToken) > 0)
                {
                }
            }

            await RunAsync(2, 1, 3);
            await RunAsync(4, 2, 5);

            Assert.Equal(["a/1", "a/2", "a/3", "a/4", "a/5"], Handled(plan));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
