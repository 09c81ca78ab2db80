using System.Text;
using Herald.DeadLetters;
using Herald.Events;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.DeadLetters;

/// <summary>Redriven letters go when their retention ends even when no new letter is written.</summary>
public sealed class DeadLetterRetentionTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Run_IdleApplication_RemovesRedrivenLettersOnceTheirRetentionEnds()
    {
        var token = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryDeadLetterStore();
        await store.SaveAsync(Letter("redriven") with { Status = DeadLetterStatus.Redriven, RedrivenAt = Start }, token);
        await store.SaveAsync(Letter("pending"), token);
        var evicted = new TaskCompletionSource<(string Reason, DateTimeOffset At)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new DeadLetterOptions { RedrivenRetention = TimeSpan.FromHours(2) };
        using var ledger = new DeadLetterLedger(store, options, time, (_, _, reason) => evicted.TrySetResult((reason, time.GetUtcNow())));
        using var retention = new DeadLetterRetention(ledger, options, time, NullLogger.Instance);

        await retention.StartAsync(token);
        await ledger.CountsAsync(token); // the first pass has listed the store: nothing was due
        Assert.Equal(2, (await store.GetAllAsync(token)).Count);
        while (!evicted.Task.IsCompleted)
        {
            // One interval (an hour) at a time, giving the background pass a moment to run, until it removes the letter.
            time.Advance(retention.Interval);
            await Task.WhenAny(evicted.Task, Task.Delay(TimeSpan.FromMilliseconds(20), token));
        }

        var (reason, at) = await evicted.Task;
        Assert.Equal(DeadLetterLedger.RetentionReason, reason);
        Assert.True(at >= Start.AddHours(2), $"Removed at {at:O}, before its retention ended.");
        Assert.Equal("pending", Assert.Single(await store.GetAllAsync(token)).EventId);
        await retention.StopAsync(token);
    }

    private static DeadLetter Letter(string eventId) => new()
    {
        Group = "billing",
        Topic = "orders",
        Envelope = new EventEnvelope { EventId = eventId, EventType = "order.placed", Timestamp = Start, Source = "/shop", CorrelationId = eventId, Data = Encoding.UTF8.GetBytes("{}") },
        Failure = new DeadLetterFailure(DeadLetterReason.HandlerFailed, "System.TimeoutException", "slow", null, null, 1, Start, Start, Start),
    };
}
