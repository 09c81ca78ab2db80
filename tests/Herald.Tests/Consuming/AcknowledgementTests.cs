using Herald.Consuming;
using Herald.Publishing;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Consuming;

public sealed class AcknowledgementTests
{
    private static HeraldTestHarness Harness(Journal journal, Action<ConsumerGroupOptions> group) =>
        HeraldTestHarness.Create(h => h.AddHandler<RecordingPlacedHandler>("billing").ConfigureGroup("billing", group), s => s.AddSingleton(journal));

    [Fact]
    public async Task ImmediateRetries_HandlerFailsTwiceThenSucceeds_HandledOnceWithoutWaiting()
    {
        var journal = new Journal();
        journal.FailuresLeft["o1"] = 2;
        await using var harness = Harness(journal, g => g.ImmediateRetries = 2);

        await harness.PublishAsync(new OrderPlaced("o1", 1), new PublishOptions { PartitionKey = "o1" });
        await harness.ProcessPendingAsync();

        var handled = Assert.Single(journal.Entries);
        Assert.Equal(3, handled.Attempt);
        Assert.Equal([1, 2], harness.FailedIn("billing").Select(f => f.Attempt));
    }

    [Fact]
    public async Task ImmediateRetries_Exhausted_EventComesBackAfterTheDelayWithAttemptsCountingOn()
    {
        var journal = new Journal();
        journal.FailuresLeft["o1"] = 3;
        await using var harness = Harness(journal, g => (g.ImmediateRetries, g.RedeliveryJitter) = (1, 0));

        await harness.PublishAsync(new OrderPlaced("o1", 1), new PublishOptions { PartitionKey = "o1" });
        await harness.ProcessPendingAsync();
        Assert.Empty(journal.Entries);
        Assert.Equal([1, 2], harness.FailedIn("billing").Select(f => f.Attempt));

        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(1));

        var handled = Assert.Single(journal.Entries);
        Assert.Equal(4, handled.Attempt);
        Assert.Equal([1, 2, 3], harness.FailedIn("billing").Select(f => f.Attempt));
    }

    [Fact]
    public async Task AtMostOnce_HandlerFails_EventIsNotDeliveredAgainAndLaterEventsFlow()
    {
        var journal = new Journal();
        journal.FailuresLeft["o1"] = 1;
        await using var harness = Harness(journal, g => g.Acknowledgement = AcknowledgementMode.AtMostOnce);

        await harness.PublishAsync(new OrderPlaced("o1", 1), new PublishOptions { PartitionKey = "same" });
        await harness.PublishAsync(new OrderPlaced("o2", 2), new PublishOptions { PartitionKey = "same" });
        await harness.ProcessPendingAsync();
        await harness.AdvanceTimeAsync(TimeSpan.FromMinutes(10));

        Assert.Equal(["o2"], journal.Entries.Select(e => ((OrderPlaced)e.Event).OrderId));
        Assert.Single(harness.FailedIn("billing"));
    }

    [Fact]
    public async Task AtLeastOnce_IsTheDefault_FailedEventComesBack()
    {
        var journal = new Journal();
        journal.FailuresLeft["o1"] = 1;
        await using var harness = Harness(journal, _ => { });

        await harness.PublishAsync(new OrderPlaced("o1", 1), new PublishOptions { PartitionKey = "o1" });
        await harness.ProcessPendingAsync();
        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(1.2));

        Assert.Equal(2, Assert.Single(journal.Entries).Attempt);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(11)]
    public void ImmediateRetries_OutOfRange_FailsStartNamingGroupAndOption(int retries)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Harness(new Journal(), g => g.ImmediateRetries = retries));

        Assert.Contains("'billing'", error.Message, StringComparison.Ordinal);
        Assert.Contains("ImmediateRetries", error.Message, StringComparison.Ordinal);
    }
}
