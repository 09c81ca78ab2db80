using Herald.DeadLetters;
using Herald.Events;
using Herald.RabbitMQ.Internal;
using Microsoft.Extensions.Logging.Abstractions;

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

    [Fact]
    public async Task DisposedWhileTailingAStreamOfLetters_TheSharedConnectionStaysOpen()
    {
        var token = TestContext.Current.CancellationToken;
        _ = broker.Connection; // skips, or fails on CI, when the broker is unreachable
        var factory = RabbitMQTransport.CreateConnectionFactory(RabbitMQBroker.NewOptions());
        await using var shared = await factory.CreateConnectionAsync("herald-dlq-dispose", token);
        await using var writing = await factory.CreateConnectionAsync("herald-dlq-dispose-writer", token);
        var stream = $"herald-test.{Guid.NewGuid():N}.dead-letters";
        await using var writer = new RabbitMQDeadLetterStore(_ => ValueTask.FromResult(writing), stream, NullLogger.Instance);
        try
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            await writer.GetAllAsync(token);
            var writes = Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    await writer.SaveAsync(Letter("billing", $"e{i}"), CancellationToken.None);
                }
            }, CancellationToken.None);

            // Each reader is disposed while the letters written meanwhile are still arriving and being acked.
            for (var round = 0; round < 10; round++)
            {
                var reader = new RabbitMQDeadLetterStore(_ => ValueTask.FromResult(shared), stream, NullLogger.Instance);
                await reader.GetAllAsync(token);
                await reader.DisposeAsync();
                Assert.True(shared.IsOpen, $"The shared connection closed after round {round}: {shared.CloseReason}");
            }

            await stop.CancelAsync();
            await writes;
            await using var channel = await shared.CreateChannelAsync(cancellationToken: token);
            Assert.True(shared.IsOpen, $"The shared connection closed: {shared.CloseReason}");
        }
        finally
        {
            await using var cleanup = await broker.Connection.CreateChannelAsync(cancellationToken: CancellationToken.None);
            await cleanup.QueueDeleteAsync(stream, ifUnused: false, ifEmpty: false, cancellationToken: CancellationToken.None);
        }
    }
}
