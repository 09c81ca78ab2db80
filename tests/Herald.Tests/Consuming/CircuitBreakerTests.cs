using Herald.Consuming;
using Herald.Publishing;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Consuming;

public sealed class CircuitBreakerTests
{
    private static HeraldTestHarness Harness(Journal journal) =>
        HeraldTestHarness.Create(
            h => h.AddHandler<RecordingPlacedHandler>("billing").ConfigureGroup("billing", g => g.CircuitBreaker = new CircuitBreakerOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 3,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = TimeSpan.FromSeconds(30),
            }),
            s => s.AddSingleton(journal));

    [Fact]
    public async Task RepeatedFailures_OpenTheCircuit_GroupStopsCallingTheHandlerUntilTheBreakEndsThenProbes()
    {
        var journal = new Journal();
        await using var harness = Harness(journal);
        var orders = Enumerable.Range(0, 8).Select(i => $"o{i}").ToList();
        foreach (var order in orders)
        {
            journal.FailuresLeft[order] = 1000; // the payment provider is down
            await harness.PublishAsync(new OrderPlaced(order, 1), new PublishOptions { PartitionKey = order });
        }

        await harness.ProcessPendingAsync();
        // Three failures reach the minimum throughput at a 100% failure ratio: the circuit opens, the rest wait.
        Assert.Equal(3, harness.FailedIn("billing").Count);

        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(3, harness.FailedIn("billing").Count);

        // The provider is back; after the break one event probes, succeeds, and the circuit closes for the rest.
        foreach (var order in orders)
        {
            journal.FailuresLeft[order] = 0;
        }

        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(11));
        await harness.AdvanceTimeAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(orders.Order(), journal.Entries.Select(e => ((OrderPlaced)e.Event).OrderId).Order());
        Assert.Equal(3, harness.FailedIn("billing").Count);
    }

    [Fact]
    public async Task FailedProbe_OpensTheCircuitAgain()
    {
        var journal = new Journal();
        await using var harness = Harness(journal);
        for (var i = 0; i < 6; i++)
        {
            journal.FailuresLeft[$"o{i}"] = 1000;
            await harness.PublishAsync(new OrderPlaced($"o{i}", 1), new PublishOptions { PartitionKey = $"o{i}" });
        }

        await harness.ProcessPendingAsync();
        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(31));

        // One probe after the break, which fails: still down, so nothing else is tried.
        Assert.Equal(4, harness.FailedIn("billing").Count);
        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4, harness.FailedIn("billing").Count);
    }

    [Fact]
    public void InvalidBreakerOptions_FailStartNamingGroupAndOption()
    {
        var error = Assert.Throws<InvalidOperationException>(() => HeraldTestHarness.Create(
            h => h.AddHandler<RecordingPlacedHandler>("billing").ConfigureGroup("billing", g => g.CircuitBreaker = new CircuitBreakerOptions { FailureRatio = 0 }),
            s => s.AddSingleton(new Journal())));

        Assert.Contains("'billing'", error.Message, StringComparison.Ordinal);
        Assert.Contains("CircuitBreaker.FailureRatio", error.Message, StringComparison.Ordinal);
    }
}
