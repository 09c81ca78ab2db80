using Herald.Consuming;
using Herald.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Testing.Tests;

[Event("harness.mail-requested")]
public sealed record MailRequested(string To);

/// <summary>The times at which the mail handler was called, by the harness's clock.</summary>
public sealed class AttemptTimes
{
    public List<DateTimeOffset> Times { get; } = [];
}

/// <summary>Fails its first four attempts, then succeeds.</summary>
public sealed class FailFourTimes(AttemptTimes attempts, TimeProvider time) : IEventHandler<MailRequested>
{
    public Task HandleAsync(EventContext<MailRequested> context)
    {
        attempts.Times.Add(time.GetUtcNow());
        return context.Attempt <= 4 ? throw new TimeoutException($"mail server busy (attempt {context.Attempt})") : Task.CompletedTask;
    }
}

public sealed class AdvanceTimeTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AdvanceTimeAsync_OneMinute_RunsTheDefaultScheduleOfFourRedeliveries()
    {
        var attempts = new AttemptTimes();
        await using var harness = Harness(attempts, _ => { });
        await harness.PublishAsync(new MailRequested("a@example.org"));

        await harness.AdvanceTimeAsync(TimeSpan.FromMinutes(1));

        Assert.Equal([1, 2, 3, 4], harness.FailedIn("email").Select(f => f.Attempt));
        Assert.Single(harness.HandledBy<MailRequested>("email"));
        Assert.Equal(Start.AddMinutes(1), harness.Time.GetUtcNow());
        // Waits of 1, 2, 4 and 8 s, each within the default jitter of ±20%.
        var waits = attempts.Times.Zip(attempts.Times.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        Assert.Equal(4, waits.Count);
        for (var i = 0; i < waits.Count; i++)
        {
            Assert.InRange(waits[i], 0.8 * Math.Pow(2, i), 1.2 * Math.Pow(2, i));
        }
    }

    [Fact]
    public async Task AdvanceTimeAsync_ExponentialScheduleWithoutJitter_RunsEachAttemptAtItsDueTime()
    {
        var attempts = new AttemptTimes();
        await using var harness = Harness(attempts, g => (g.RedeliveryDelay, g.RedeliveryJitter) = (TimeSpan.FromSeconds(3), 0));
        await harness.PublishAsync(new MailRequested("a@example.org"));

        var processed = await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(45));

        Assert.Equal(5, processed);
        Assert.Equal([Start, Start.AddSeconds(3), Start.AddSeconds(9), Start.AddSeconds(21), Start.AddSeconds(45)], attempts.Times);
        Assert.Single(harness.HandledBy<MailRequested>("email"));
    }

    [Fact]
    public async Task AdvanceTimeAsync_RedeliveryDueAfterTheSpan_WaitsForTheNextCall()
    {
        var attempts = new AttemptTimes();
        await using var harness = Harness(attempts, g => (g.RedeliveryDelay, g.RedeliveryJitter) = (TimeSpan.FromSeconds(10), 0));
        await harness.PublishAsync(new MailRequested("a@example.org"));

        Assert.Equal(1, await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1)));
        Assert.Equal([Start], attempts.Times);
        Assert.Equal(Start.AddSeconds(10).AddTicks(-1), harness.Time.GetUtcNow());

        Assert.Equal(1, await harness.AdvanceTimeAsync(TimeSpan.FromTicks(1)));
        Assert.Equal([Start, Start.AddSeconds(10)], attempts.Times);
        Assert.Equal(2, harness.FailedIn("email").Count);
        Assert.Empty(harness.Handled);
    }

    [Fact]
    public async Task AdvanceTimeAsync_KeyLanes_RunEveryRetryOfTheSpan()
    {
        var attempts = new AttemptTimes();
        await using var harness = Harness(attempts, g => (g.MaxConcurrentKeys, g.RedeliveryJitter) = (4, 0));
        await harness.PublishAsync(new MailRequested("a@example.org"));

        await harness.AdvanceTimeAsync(TimeSpan.FromSeconds(15));

        Assert.Equal([1, 2, 3, 4], harness.FailedIn("email").Select(f => f.Attempt));
        Assert.Single(harness.HandledBy<MailRequested>("email"));
        Assert.Equal(Start.AddSeconds(15), attempts.Times[^1]);
    }

    [Fact]
    public async Task AdvanceTimeAsync_NegativeSpan_Throws()
    {
        await using var harness = Harness(new AttemptTimes(), _ => { });

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => harness.AdvanceTimeAsync(TimeSpan.FromSeconds(-1)));
    }

    private static HeraldTestHarness Harness(AttemptTimes attempts, Action<ConsumerGroupOptions> configure) =>
        HeraldTestHarness.Create(
            h => h.AddHandler<FailFourTimes>("email").ConfigureGroup("email", configure),
            s => s.AddSingleton(attempts),
            Start);
}
