using System.Collections.Concurrent;
using Herald.Consuming;
using Herald.DeadLetters;
using Herald.Diagnostics;
using Herald.Events;
using Herald.Hosting;
using Herald.Publishing;
using Herald.Tests.Consuming;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Transports.Embedded;

/// <summary>Retries, dead letters and redrives on the embedded log, across restarts of the application.</summary>
public sealed class EmbeddedDeadLetterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-dlq-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FailurePlan _plan = new();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class Failures : IEventObserver
    {
        public ConcurrentQueue<(string Group, int Attempt)> Seen { get; } = new();

        public void OnFailed(EventEnvelope envelope, string group, int attempt, Exception exception) => Seen.Enqueue((group, attempt));
    }

    /// <summary>One run of the application: a fresh container over the same data directory.</summary>
    private ServiceProvider Start(Failures failures) => new ServiceCollection()
        .AddSingleton<TimeProvider>(_time)
        .AddSingleton(_plan)
        .AddSingleton<IEventObserver>(failures)
        .AddHerald(h => h
            .UseEmbeddedLog(o => o.DataDirectory = _directory)
            .AddHandler<PlannedPlacedHandler>("billing")
            .AddHandler<PlannedPlacedHandler>("audit")
            .ConfigureGroup("billing", g => (g.RedeliveryDelay, g.RedeliveryJitter, g.DelayedRetries) = (TimeSpan.FromSeconds(10), 0, 2)))
        .BuildServiceProvider();

    private async Task AdvanceAndProcessAsync(ServiceProvider services, TimeSpan by)
    {
        _time.Advance(by);
        var driver = services.GetRequiredService<IConsumerDriver>();
        while (await driver.ProcessAvailableAsync(TestContext.Current.CancellationToken) > 0)
        {
        }
    }

    [Fact]
    public async Task DelayedRetries_SurviveRestarts_ThenDeadLetter_ThenRedriveReachesTheFailedGroupOnly()
    {
        var token = TestContext.Current.CancellationToken;
        _plan.AlwaysFail("billing", "o1");
        var first = new Failures();
        string eventId;
        await using (var services = Start(first))
        {
            eventId = (await services.GetRequiredService<IEventPublisher>().PublishAsync(new OrderPlaced("o1", 1), cancellationToken: token)).EventId;
            await AdvanceAndProcessAsync(services, TimeSpan.Zero);
        }

        Assert.Equal([("billing", 1)], first.Seen);
        Assert.Equal([("audit", "o1", 1)], _plan.Handled);

        // After a restart the redelivery still waits for its due time, and counts on from the first run.
        var second = new Failures();
        await using (var services = Start(second))
        {
            await AdvanceAndProcessAsync(services, TimeSpan.FromSeconds(9));
            Assert.Empty(second.Seen);
            await AdvanceAndProcessAsync(services, TimeSpan.FromSeconds(1));
            Assert.Equal([("billing", 2)], second.Seen);
        }

        var third = new Failures();
        await using (var services = Start(third))
        {
            await AdvanceAndProcessAsync(services, TimeSpan.FromSeconds(20));
            Assert.Equal([("billing", 3)], third.Seen);
            await AdvanceAndProcessAsync(services, TimeSpan.FromMinutes(10));
            Assert.Single(third.Seen);
        }

        // The dead letter is durable; the redrive reaches billing only, and is not repeated by later runs.
        await using (var services = Start(new Failures()))
        {
            var deadLetters = services.GetRequiredService<IDeadLetters>();
            var letter = Assert.Single(await deadLetters.ListAsync(cancellationToken: token));
            Assert.Equal(("billing", eventId, 3), (letter.Group, letter.EventId, letter.Failure.Attempts));
            Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), letter.Failure.FirstFailureAt);
            Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 30, TimeSpan.Zero), letter.Failure.LastFailureAt);

            _plan.FailuresLeft.Clear();
            Assert.Single(await deadLetters.RedriveAsync(new DeadLetterFilter { EventIds = [eventId] }, cancellationToken: token));
            await AdvanceAndProcessAsync(services, TimeSpan.Zero);
        }

        await using (var services = Start(new Failures()))
        {
            await AdvanceAndProcessAsync(services, TimeSpan.FromMinutes(1));
            Assert.Equal([("audit", "o1", 1), ("billing", "o1", 1)], _plan.Handled.OrderBy(h => h.Group));
            Assert.Empty(await services.GetRequiredService<IDeadLetters>().ListAsync(cancellationToken: token));
            var kept = Assert.Single(await services.GetRequiredService<IDeadLetters>().FindAsync(eventId, token));
            Assert.Equal(DeadLetterStatus.Redriven, kept.Status);
        }
    }

    [Fact]
    public async Task DeadLetterStore_SaveReplaceRemove_SurviveReopening()
    {
        var token = TestContext.Current.CancellationToken;
        var letter = new DeadLetter
        {
            Group = "billing",
            Topic = "test.order-placed",
            Envelope = new EventEnvelope
            {
                EventId = "e1",
                EventType = "test.order-placed",
                Timestamp = _time.GetUtcNow(),
                Source = "tests",
                CorrelationId = "c1",
                Extensions = new Dictionary<string, string> { ["tenant"] = "acme" },
                Data = "{\"OrderId\":\"o1\",\"Amount\":1}"u8.ToArray(),
            },
            Failure = new DeadLetterFailure(DeadLetterReason.HandlerFailed, "System.TimeoutException", "slow", "stack", "Handler", 4, _time.GetUtcNow(), _time.GetUtcNow(), _time.GetUtcNow()),
        };
        var poisonLetter = letter with { Group = "poison", Envelope = letter.Envelope with { Data = "{\"OrderId\": 4"u8.ToArray() } };
        await using (var transport = new Herald.Transports.Embedded.EmbeddedLogTransport(new() { DataDirectory = _directory }))
        {
            await transport.DeadLetterStore.SaveAsync(letter, token);
            await transport.DeadLetterStore.SaveAsync(letter with { Group = "audit" }, token);
            await transport.DeadLetterStore.SaveAsync(letter with { Status = DeadLetterStatus.Redriven, RedrivenAt = _time.GetUtcNow() }, token);
            await transport.DeadLetterStore.SaveAsync(poisonLetter, token);
            Assert.True(await transport.DeadLetterStore.RemoveAsync("audit", letter.Id, token));
            Assert.False(await transport.DeadLetterStore.RemoveAsync("audit", letter.Id, token));
        }

        await using var reopened = new Herald.Transports.Embedded.EmbeddedLogTransport(new() { DataDirectory = _directory });
        // A payload that is not valid JSON (a poison event) is kept byte for byte.
        var poison = await reopened.DeadLetterStore.GetAsync("poison", poisonLetter.Id, token);
        Assert.Equal("{\"OrderId\": 4"u8.ToArray(), poison!.Envelope.Data.ToArray());
        Assert.Equal("application/json", poison.Envelope.DataContentType);
        var stored = Assert.Single(await reopened.DeadLetterStore.GetAllAsync(token), l => l.Group == "billing");
        Assert.Equal(DeadLetterStatus.Redriven, stored.Status);
        Assert.Equal(letter.Failure, stored.Failure);
        Assert.Equal("acme", stored.Envelope.Extensions["tenant"]);
        Assert.Equal(letter.Envelope.Data.ToArray(), stored.Envelope.Data.ToArray());
        Assert.Null(await reopened.DeadLetterStore.GetAsync("audit", letter.Id, token));
    }
}
