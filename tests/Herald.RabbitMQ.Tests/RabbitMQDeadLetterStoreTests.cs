using Herald.DeadLetters;
using Herald.Events;

namespace Herald.RabbitMQ.Tests;

/// <summary>The dead letters kept in a RabbitMQ stream: durable across transports, shared between processes.</summary>
public sealed class RabbitMQDeadLetterStoreTests(RabbitMQBroker broker)
{
    private static DeadLetter Letter(string group, string eventId) => new()
    {
        Group = group,
        Topic = "orders",
        Envelope = new EventEnvelope
        {
            EventId = eventId,
            EventType = "test.order-placed",
            Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            Source = "tests",
            CorrelationId = "c1",
            Data = "{\"orderId\": 4"u8.ToArray(), // not even valid JSON: a poison event is kept byte for byte
        },
        Failure = new DeadLetterFailure(DeadLetterReason.HandlerFailed, "System.TimeoutException", "slow", "stack", "Handler", 3,
            new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero), new DateTimeOffset(2026, 1, 1, 0, 0, 2, TimeSpan.Zero), new DateTimeOffset(2026, 1, 1, 0, 0, 3, TimeSpan.Zero)),
    };

    [Fact]
    public async Task DeadLetterStore_SaveReplaceRemove_SurviveANewTransport_AndReachAnotherProcess()
    {
        var token = TestContext.Current.CancellationToken;
        var options = RabbitMQBroker.NewOptions();
        var first = broker.CreateTransport(options);
        var other = broker.CreateTransport(options);
        try
        {
            Assert.Empty(await other.DeadLetterStore.GetAllAsync(token)); // starts tailing the stream
            var letter = Letter("billing", "e1");
            await first.DeadLetterStore.SaveAsync(letter, token);
            await first.DeadLetterStore.SaveAsync(letter with { Group = "audit" }, token);
            await first.DeadLetterStore.SaveAsync(letter with { Status = DeadLetterStatus.Redriven, RedrivenAt = letter.Failure.LastFailureAt }, token);
            Assert.True(await first.DeadLetterStore.RemoveAsync("audit", letter.Id, token));
            Assert.False(await first.DeadLetterStore.RemoveAsync("audit", letter.Id, token));
            Assert.Equal(DeadLetterStatus.Redriven, (await first.DeadLetterStore.GetAsync("billing", letter.Id, token))!.Status);

            await using var reopened = broker.CreateTransport(options);
            var stored = Assert.Single(await reopened.DeadLetterStore.GetAllAsync(token));
            Assert.Equal(("billing", DeadLetterStatus.Redriven), (stored.Group, stored.Status));
            Assert.Equal(letter.Failure, stored.Failure);
            Assert.Equal(letter.Envelope.Data.ToArray(), stored.Envelope.Data.ToArray());

            Assert.True(await TestSupport.EventuallyAsync(
                async () => (await other.DeadLetterStore.GetAllAsync(token)) is [{ Status: DeadLetterStatus.Redriven }], TimeSpan.FromSeconds(10)));
        }
        finally
        {
            await first.DeleteTopologyAsync(CancellationToken.None);
            await first.DisposeAsync();
            await other.DisposeAsync();
        }
    }
}
